// A hostile worker for the broker (issue 5, "Hostile worker"): replays a
// sequence of worker messages against the real RunBroker over a real
// socketpair(SOCK_SEQPACKET), then checks the invariants of DESIGN.md inv. 4.
// Shared by the libFuzzer target (tools/fuzz/broker_fuzzer.cc) and the bounded
// randomized ctest (tests/caps/broker_random_test.cc).
//
// Input format: a sequence of records `u16 little-endian header, bytes`; the
// header's low 15 bits are the length, its top bit the transport: clear, the
// record is one SOCK_SEQPACKET message; set, it is written into the shared
// control page's request area (cut to the area) and published with the next
// sequence number, as a worker's mailbox call is, except that an empty page
// record publishes the number after next (a jump the broker must refuse). A
// last record whose length runs past the end takes the remaining bytes. At
// most kMaxMessages are sent.
//
// Not thread-safe: one BrokerFuzzEnv per process (it owns a temp tree and
// sets process-wide state: spdlog level, SIGPIPE ignored).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "caps/control_page.h"

namespace capsa::caps::fuzz {

inline constexpr size_t kMaxMessages = 64;
inline constexpr uint64_t kMemoryBytes = 64 * 1024;  // the simulated linear memory

enum class Transport : uint8_t { kSocket, kPage };

struct Message {
  std::vector<uint8_t> bytes;
  Transport via = Transport::kSocket;
};

// Splits an input into messages (see the format above).
std::vector<Message> SplitMessages(std::span<const uint8_t> input);
// The inverse: messages longer than kMaxRecordBytes are cut.
inline constexpr size_t kMaxRecordBytes = 0x7fff;
std::vector<uint8_t> JoinMessages(const std::vector<Message>& messages);

// A small deterministic PRNG, so the fuzzer's mutator and the ctest share
// one generator with no <random> distribution differences between libstdc++
// versions.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  bool OneIn(uint64_t n) { return Below(n) == 0; }

 private:
  uint64_t state_;
};

// One well-formed request (valid header, exact length, counts within limits,
// zero padding) for a random op, with fields drawn from values that matter
// to the broker: fds of the preopens and their children, paths that try to
// escape, iovecs at the edges of the memory. With `allow_report` false the
// session-ending ReportExit/ReportTrap ops are not produced.
std::vector<uint8_t> ValidMessage(Rng& rng, bool allow_report);
// A near-miss: a valid message with one byte, the length, or a count changed.
std::vector<uint8_t> NearMissMessage(Rng& rng);

// What one run observed. `failures` is empty when every invariant held.
struct RunReport {
  std::string outcome;               // exit / trap / protocol_violation / disconnected
  size_t messages_sent = 0;
  size_t replies = 0;       // socket and page replies
  size_t page_replies = 0;  // of which on the control page
  std::vector<std::string> failures;
};

class BrokerFuzzEnv {
 public:
  // Creates the temp tree under $TMPDIR:
  //   root/ro   preopen "/ro" (read-only): a, d/b, out -> ../outside, esc -> root/outside/secret
  //   root/rw   preopen "/rw" (read-write): f, sub/, up -> ../outside, loop -> loop
  //   root/outside/secret   the sentinel, reachable only through the symlinks
  BrokerFuzzEnv();
  ~BrokerFuzzEnv();
  BrokerFuzzEnv(const BrokerFuzzEnv&) = delete;
  BrokerFuzzEnv& operator=(const BrokerFuzzEnv&) = delete;

  // Resets rw/ and the control page, runs RunBroker on a thread, sends
  // `messages` (draining socket replies; a page message waits for its reply
  // on the page, or for the broker to end), shuts the worker end, waits for
  // the broker and checks: it returned; no fd leaked; nothing outside rw/
  // changed; no SCM_RIGHTS reached the worker; every reply, on the socket
  // and on the page, is well-formed; the outcome is a protocol violation
  // (reported exactly once) or a clean end.
  RunReport Run(const std::vector<Message>& messages);

  const std::string& root() const { return root_; }

 private:
  void ResetReadWrite() const;
  std::map<std::string, std::string> Snapshot() const;

  std::string root_;
  int memfd_ = -1;
  UniqueFd control_fd_;    // the control page's memfd, handed to every RunBroker
  ControlMapping control_;  // the hostile worker's mapping of it
  int devnull_ = -1;
  std::map<std::string, std::string> baseline_;
};

// Number of open descriptors of this process (/proc/self/fd).
size_t CountOpenFds();

}  // namespace capsa::caps::fuzz
