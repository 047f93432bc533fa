// A bounded hostile worker in ctest (issue 5): thousands of random and
// mutated-valid message sequences from a fixed seed, plus every file of
// tests/fuzz/broker/{corpus,regressions}, against the real RunBroker over a
// real socketpair, with the same invariant checks as capsa_broker_fuzzer
// (tools/fuzz/broker_harness.h): the broker returns, leaks no descriptor,
// changes nothing outside its read-write preopen, never sends a descriptor,
// frames every reply, and ends in a protocol violation or a clean end.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tools/fuzz/broker_harness.h"

namespace capsa::caps::fuzz {
namespace {

namespace fs = std::filesystem;

BrokerFuzzEnv& Env() {
  static BrokerFuzzEnv* env = new BrokerFuzzEnv();  // one temp tree per process
  return *env;
}

std::string Describe(const RunReport& r) {
  std::string s = "outcome " + r.outcome + ", " + std::to_string(r.messages_sent) + " sent";
  for (const auto& f : r.failures) s += "\n  " + f;
  return s;
}

// A random session: mostly valid messages, some near-misses and raw garbage,
// and the occasional report that ends the session early.
std::vector<std::vector<uint8_t>> RandomSession(Rng& rng) {
  std::vector<std::vector<uint8_t>> messages(1 + rng.Below(24));
  for (auto& m : messages) {
    const uint64_t kind = rng.Below(20);
    if (kind < 15) {
      m = ValidMessage(rng, rng.OneIn(40));
    } else if (kind < 18) {
      m = NearMissMessage(rng);
    } else {
      m.resize(rng.Below(96));
      for (auto& b : m) b = static_cast<uint8_t>(rng.Next());
    }
  }
  return messages;
}

TEST(BrokerRandom, SeededSessionsKeepEveryInvariant) {
  constexpr int kSessions = 2500;
  Rng rng(20261125);
  size_t violations = 0, messages = 0;
  for (int i = 0; i < kSessions; ++i) {
    const RunReport r = Env().Run(RandomSession(rng));
    messages += r.messages_sent;
    if (r.outcome == "protocol_violation") ++violations;
    ASSERT_TRUE(r.failures.empty()) << "session " << i << ": " << Describe(r);
  }
  // Both endings are exercised: sessions that end in a violation and sessions
  // that get through all their messages.
  EXPECT_GT(violations, kSessions / 10u);
  EXPECT_LT(violations, kSessions * 9u / 10u);
  EXPECT_GT(messages, kSessions * 5u);
}

TEST(BrokerRandom, RawBytesAsInputKeepEveryInvariant) {
  Rng rng(7);
  for (int i = 0; i < 500; ++i) {
    std::vector<uint8_t> input(rng.Below(512));
    for (auto& b : input) b = static_cast<uint8_t>(rng.Next());
    const RunReport r = Env().Run(SplitMessages(input));
    ASSERT_TRUE(r.failures.empty()) << "input " << i << ": " << Describe(r);
  }
}

void ReplayDir(const fs::path& dir, size_t min_files) {
  size_t files = 0;
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<uint8_t> input{std::istreambuf_iterator<char>(in), {}};
    const RunReport r = Env().Run(SplitMessages(input));
    EXPECT_TRUE(r.failures.empty()) << entry.path() << ": " << Describe(r);
    ++files;
  }
  EXPECT_GE(files, min_files) << dir;
}

TEST(BrokerRandom, CorpusReplays) {
  ReplayDir(fs::path(CAPSA_BROKER_FUZZ_DIR) / "corpus", 10);
}

TEST(BrokerRandom, RegressionsReplay) {
  ReplayDir(fs::path(CAPSA_BROKER_FUZZ_DIR) / "regressions", 1);
}

}  // namespace
}  // namespace capsa::caps::fuzz
