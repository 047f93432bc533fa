// Rename and symlink-swap races against both resolvers: a host thread keeps
// changing the tree while the guest side (an in-process BrokerClient) opens
// through it in a loop. An escape is a successful open whose fd is the
// outside secret (compared by inode via fd_filestat_get, i.e. an fstat of the
// broker's real fd). EAGAIN is retried. Attempts per test: CAPSA_RACE_ATTEMPTS
// (default 5,000; `ctest -L race` runs 100,000, see tests/caps/CMakeLists.txt).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <thread>

#include "tests/caps/broker_harness.h"

namespace capsa::caps {
namespace {

using testing::BrokerHarness;
using wasi::Errno;
namespace r = wasi::right;
constexpr wasi::Fd kSandbox = 3;
constexpr int kMaxEagainRetries = 100;

int Attempts() {
  const char* v = std::getenv("CAPSA_RACE_ATTEMPTS");
  return v != nullptr && std::atoi(v) > 0 ? std::atoi(v) : 5000;
}

struct Tally {
  int attempts = 0, opened = 0, refused = 0, other = 0, eagain = 0, escapes = 0;
};

class Race : public ::testing::TestWithParam<ResolverKind> {
 protected:
  Race()
      : h_({testing::PreopenSpec{"sandbox", "/sandbox", DirRights::ReadWrite()}}, {}, {"prog"},
           {}, GetParam()) {}

  void SetUp() override {
    // 100,000 denials would be 100,000 warning lines; the sink still gets them.
    saved_level_ = spdlog::get_level();
    spdlog::set_level(spdlog::level::err);
    struct stat st;
    ASSERT_EQ(stat(h_.tree().Path("outside/secret").c_str(), &st), 0);
    secret_ino_ = st.st_ino;
  }
  void TearDown() override { spdlog::set_level(saved_level_); }

  // Runs `mutate` in a loop on a host thread while opening `path` Attempts()
  // times; returns the tally and prints it.
  Tally Hammer(const std::string& path, const std::function<void()>& mutate, const char* name) {
    std::atomic<bool> stop{false};
    std::atomic<long> mutations{0};
    std::thread host([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        mutate();
        mutations.fetch_add(1, std::memory_order_relaxed);
      }
    });
    Tally t;
    const auto start = std::chrono::steady_clock::now();
    for (t.attempts = 0; t.attempts < Attempts(); ++t.attempts) {
      wasi::Fd fd = 0;
      Errno e = Errno::kAgain;
      for (int retry = 0; retry < kMaxEagainRetries && e == Errno::kAgain; ++retry) {
        e = h_.Open(kSandbox, path, 0, r::kFdRead | r::kFdFilestatGet, &fd);
        if (e == Errno::kAgain) ++t.eagain;
      }
      if (e == Errno::kSuccess) {
        ++t.opened;
        wasi::FileStat st{};
        EXPECT_EQ(h_.client().FdFilestatGet(fd, &st), Errno::kSuccess);
        if (st.ino == secret_ino_) ++t.escapes;
        EXPECT_EQ(h_.client().FdClose(fd), Errno::kSuccess);
      } else if (e == Errno::kNotcapable) {
        ++t.refused;
      } else {
        ++t.other;
      }
    }
    stop = true;
    host.join();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("race %s [%s]: %d attempts, %d opened inside, %d refused, %d other errors, "
                "%d EAGAIN retried, %ld host mutations, %d escapes, %.1f s\n",
                name, ResolverKindName(GetParam()), t.attempts, t.opened, t.refused, t.other,
                t.eagain, mutations.load(), t.escapes, secs);
    // Every refusal is logged (the sink saw one denial per ENOTCAPABLE).
    EXPECT_EQ(h_.sink().denials().size(), static_cast<size_t>(t.refused));
    return t;
  }

  std::string P(const std::string& rel) { return h_.tree().Path(rel); }

  BrokerHarness h_;
  uint64_t secret_ino_ = 0;
  spdlog::level::level_enum saved_level_ = spdlog::level::info;
};

// sandbox/a/b moves to outside/x/b and back. "a/b/../../secret" names the
// decoy sandbox/secret; resolved with a kernel ".." after the move it would
// name outside/secret.
TEST_P(Race, DirectoryRenamedOutAndBack) {
  auto& t = h_.tree();
  ASSERT_EQ(mkdir(P("sandbox/a").c_str(), 0755), 0);
  ASSERT_EQ(mkdir(P("sandbox/a/b").c_str(), 0755), 0);
  ASSERT_EQ(mkdir(P("outside/x").c_str(), 0755), 0);
  t.WriteFile("sandbox/secret", "decoy\n");
  const std::string in = P("sandbox/a/b"), out = P("outside/x/b");
  const Tally tally = Hammer("a/b/../../secret", [&] {
    rename(in.c_str(), out.c_str());
    rename(out.c_str(), in.c_str());
  }, "rename-dir");
  EXPECT_EQ(tally.escapes, 0);
  EXPECT_GT(tally.opened, 0);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

// sandbox/link is exchanged with sandbox/other: one says "file" (inside),
// the other "../outside/secret" (out).
TEST_P(Race, FinalSymlinkSwapped) {
  h_.tree().WriteFile("sandbox/file", "inside\n");
  ASSERT_EQ(symlink("file", P("sandbox/link").c_str()), 0);
  ASSERT_EQ(symlink("../outside/secret", P("sandbox/other").c_str()), 0);
  const std::string a = P("sandbox/link"), b = P("sandbox/other");
  const Tally tally = Hammer("link", [&] {
    renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
  }, "swap-final-symlink");
  EXPECT_EQ(tally.escapes, 0);
  EXPECT_GT(tally.opened, 0);
  EXPECT_GT(tally.refused, 0);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

// sandbox/d (a directory holding a decoy "secret") is exchanged with
// sandbox/d_out, a symlink to the absolute outside directory; the guest
// opens "d/secret".
TEST_P(Race, DirectorySwappedWithSymlinkOut) {
  ASSERT_EQ(mkdir(P("sandbox/d").c_str(), 0755), 0);
  h_.tree().WriteFile("sandbox/d/secret", "decoy\n");
  ASSERT_EQ(symlink(P("outside").c_str(), P("sandbox/d_out").c_str()), 0);
  const std::string a = P("sandbox/d"), b = P("sandbox/d_out");
  const Tally tally = Hammer("d/secret", [&] {
    renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
  }, "swap-dir-symlink");
  EXPECT_EQ(tally.escapes, 0);
  EXPECT_GT(tally.opened, 0);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

INSTANTIATE_TEST_SUITE_P(Resolvers, Race,
                         ::testing::Values(ResolverKind::kOpenat2, ResolverKind::kWalk),
                         [](const auto& info) { return std::string(ResolverKindName(info.param)); });

}  // namespace
}  // namespace capsa::caps
