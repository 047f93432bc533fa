// capsa_broker_fuzzer: libFuzzer replaces the worker. Each input is a
// sequence of length-prefixed messages (tools/fuzz/broker_harness.h) sent
// to the real RunBroker over a real socketpair or through the shared control
// page; any broken invariant aborts.
//
// The custom mutator is structure-aware: besides libFuzzer's byte mutations
// of one message (with the header length fixed up half the time, so the
// mutation gets past the framing checks), it inserts and replaces whole valid
// messages with interesting fields, and near-misses of valid messages, on
// either transport, and moves a message from one transport to the other.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tools/fuzz/broker_harness.h"

using capsa::caps::fuzz::BrokerFuzzEnv;
using capsa::caps::fuzz::JoinMessages;
using capsa::caps::fuzz::Message;
using capsa::caps::fuzz::NearMissMessage;
using capsa::caps::fuzz::Rng;
using capsa::caps::fuzz::RunReport;
using capsa::caps::fuzz::SplitMessages;
using capsa::caps::fuzz::Transport;
using capsa::caps::fuzz::ValidMessage;

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

BrokerFuzzEnv* env = nullptr;

// A generated message on a transport drawn from `rng` (the page one time in three).
Message On(Rng& rng, std::vector<uint8_t> bytes) {
  return Message{std::move(bytes), rng.OneIn(3) ? Transport::kPage : Transport::kSocket};
}

void FixLength(std::vector<uint8_t>* m) {
  if (m->size() < 8) return;
  const uint32_t len = static_cast<uint32_t>(m->size());
  std::memcpy(m->data() + 4, &len, 4);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  env = new BrokerFuzzEnv();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const RunReport report = env->Run(SplitMessages({data, size}));
  if (!report.failures.empty()) {
    for (const auto& f : report.failures) fprintf(stderr, "INVARIANT BROKEN: %s\n", f.c_str());
    abort();
  }
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  Rng rng(seed);
  auto messages = SplitMessages({data, size});
  const size_t at = rng.Below(messages.size() + 1);
  switch (rng.Below(11)) {
    case 0: case 1:
      messages.insert(messages.begin() + at, On(rng, ValidMessage(rng, rng.OneIn(16))));
      break;
    case 2:
      if (at < messages.size()) messages[at] = On(rng, ValidMessage(rng, false));
      else messages.push_back(On(rng, ValidMessage(rng, false)));
      break;
    case 3:
      messages.insert(messages.begin() + at, On(rng, NearMissMessage(rng)));
      break;
    case 4: case 5: case 6: {  // byte-mutate one message, body only or whole
      if (at >= messages.size()) {
        messages.push_back(On(rng, ValidMessage(rng, false)));
        break;
      }
      auto& m = messages[at].bytes;
      const bool body_only = m.size() > 8 && rng.OneIn(2);
      const size_t skip = body_only ? 8 : 0;
      const size_t len = m.size() - skip;
      m.resize(m.size() + 64);
      const size_t n = LLVMFuzzerMutate(m.data() + skip, len, len + 64);
      m.resize(skip + n);
      if (body_only || rng.OneIn(2)) FixLength(&m);
      break;
    }
    case 7:
      if (at < messages.size()) messages.erase(messages.begin() + at);
      break;
    case 8:
      if (at < messages.size()) messages.insert(messages.begin() + at, messages[at]);
      break;
    case 9:  // the same bytes on the other transport
      if (at < messages.size()) {
        Transport& via = messages[at].via;
        via = via == Transport::kPage ? Transport::kSocket : Transport::kPage;
      }
      break;
    default: {  // raw: the framing itself mutates
      const size_t n = LLVMFuzzerMutate(data, size, max_size);
      return n;
    }
  }
  std::vector<uint8_t> out = JoinMessages(messages);
  while (out.size() > max_size && !messages.empty()) {
    messages.pop_back();
    out = JoinMessages(messages);
  }
  if (!out.empty()) std::memcpy(data, out.data(), out.size());
  return out.size();
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* data1, size_t size1,
                                            const uint8_t* data2, size_t size2, uint8_t* out,
                                            size_t max_out_size, unsigned int seed) {
  Rng rng(seed);
  auto a = SplitMessages({data1, size1});
  const auto b = SplitMessages({data2, size2});
  a.resize(rng.Below(a.size() + 1));
  a.insert(a.end(), b.begin() + rng.Below(b.size() + 1), b.end());
  std::vector<uint8_t> joined = JoinMessages(a);
  while (joined.size() > max_out_size && !a.empty()) {
    a.pop_back();
    joined = JoinMessages(a);
  }
  if (!joined.empty()) std::memcpy(out, joined.data(), joined.size());
  return joined.size();
}
