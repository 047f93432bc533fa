// The synchronous mailbox on the control page (caps/control_page.h): one
// request in flight, as on the socket. Each side spins a bounded time on the
// other side's sequence word (acquire loads, `pause` between them), then
// raises its "sleeping" flag and FUTEX_WAITs on that word; the other side
// FUTEX_WAKEs after publishing when it sees the flag. The flag is a Dekker
// handshake (store flag; full fence; re-check the word  vs.  store word;
// full fence; check flag), and FUTEX_WAIT itself re-checks the word, so no
// wake-up is lost.
//
// Ordering: the worker publishes req_seq (release) only after the whole
// request is written; the broker performs the call (the write reaches the
// fd) before it publishes rep_seq (release), so nothing acknowledged is lost.
//
// Liveness: neither side can wait forever on a dead peer. The broker's
// FUTEX_WAIT has a timeout after which it polls the socket (EOF = the worker
// is gone, exactly as with the socket transport); the worker's likewise
// peeks the socket (recv MSG_PEEK|MSG_DONTWAIT, allowed by its filter) and
// breaks the channel on EOF. SIGKILL always ends a FUTEX_WAIT.
//
// Futexes are shared (no FUTEX_PRIVATE_FLAG): the word lives in a MAP_SHARED
// memfd page seen by two processes. Neither class allocates.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "caps/channel.h"
#include "caps/control_page.h"
#include "engine/base/result.h"

namespace capsa::caps {

// Spin windows, chosen on the 2-vCPU VM this was measured on (NOTES.md): a
// sleeping round trip costs ~20 µs per wake there, a spinning one ~0.1 µs.
// The broker spins after each mailbox call (the next call usually follows
// within microseconds); the worker spins while the broker performs the call.
inline constexpr uint64_t kBrokerSpinNs = 50'000;
inline constexpr uint64_t kWorkerSpinNs = 100'000;
// How long a FUTEX_WAIT lasts before the sleeper checks the socket for a gone peer.
inline constexpr uint64_t kBrokerSleepNs = 20'000'000;
inline constexpr uint64_t kWorkerSleepNs = 100'000'000;

// When to spin. A side whose spin expired twice in a row without the peer
// answering (the peer is likely on this very CPU, waiting for it to stop
// spinning — the disaster case on a 2-vCPU VM — or simply busy) stops
// spinning and sleeps at once; now and then it probes with one full spin, and
// a probe that catches the peer turns spinning back on. Probes back off
// (8 .. 256 waits apart) while they keep failing. One miss alone (a slow
// call, a preemption) does not stop the spin.
class SpinGovernor {
 public:
  explicit SpinGovernor(uint64_t max_ns) : max_ns_(max_ns) {}
  uint64_t Budget();
  void Record(bool caught_in_spin);

 private:
  static constexpr uint32_t kMinProbeGap = 8, kMaxProbeGap = 256, kMissesToStop = 2;
  uint64_t max_ns_;
  bool spinning_ = true;
  uint32_t misses_ = 0;  // consecutive expired spins while spinning
  uint32_t since_probe_ = 0;
  uint32_t probe_gap_ = kMinProbeGap;
};

// The worker's side. Not thread-safe; not async-signal-safe.
class WorkerMailbox {
 public:
  // `page` (not owned, fresh: both sequence words 0) stays mapped for the
  // life of this object; socket_fd is only peeked for EOF while waiting.
  WorkerMailbox(ControlPage* page, int socket_fd);

  // Whether a request of `size` bytes fits the request area.
  static bool Fits(size_t size) { return size <= kRequestAreaBytes; }
  // Writes the parts (their total must Fit) back to back into the request
  // area and publishes them. The caller then calls AwaitReply (unless the
  // op has no reply).
  void Post(std::span<const iovec> parts);
  // Waits for the reply to the last Post and copies it into `out`. kMessage
  // with its size; kClosed when the broker is gone; kTruncated when the
  // reply's length is impossible (the caller breaks the channel).
  Received AwaitReply(std::span<uint8_t> out);
  // After a socket send: wakes the broker if it sleeps on the page, so it
  // looks at the socket now rather than at its next timeout.
  void WakeBroker();

 private:
  ControlPage* page_;
  int socket_fd_;
  uint32_t seq_ = 0;
  SpinGovernor spin_{kWorkerSpinNs};
};

// The broker's side. The page is hostile input: sequence words and lengths
// are read once into locals and checked before use. Not thread-safe.
class BrokerMailbox {
 public:
  enum class Event : uint8_t {
    kRequest,  // a mailbox request is pending: call Take
    kSocket,   // the socket has a message or EOF/error: receive from it
  };

  // `page` (not owned) stays mapped for the life of this object. The first
  // request must carry served + 1: never a value read from the page, which
  // the worker may already have written (a fresh page starts at 0).
  explicit BrokerMailbox(ControlPage* page, uint32_t served = 0);

  // Spins (up to `spin_ns`, fewer when the governor says so) for a mailbox
  // request, then sleeps until one
  // arrives or the socket is readable/closed (checked at every wake-up and
  // at least every kBrokerSleepNs). Error (a protocol violation): req_seq
  // moved to anything but the next number.
  Result<Event> Wait(int socket_fd, uint64_t spin_ns);
  // Copies the pending request out of the page once into `buffer` (at least
  // wire::kMaxRequestBytes + 1 bytes) and returns its size; the caller
  // parses only its copy. Error (a protocol violation): a length shorter
  // than a header or longer than the largest request.
  Result<size_t> Take(std::span<uint8_t> buffer);
  // Writes the reply parts to the reply area (their total must be at most
  // kReplyAreaBytes; else nothing is published and false is returned),
  // publishes rep_seq = the request's number and wakes the worker if it sleeps.
  bool Reply(std::span<const iovec> parts);

 private:
  ControlPage* page_;
  uint32_t served_;  // the last req_seq taken
  SpinGovernor spin_{kBrokerSpinNs};
};

}  // namespace capsa::caps
