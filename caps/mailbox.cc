#include "caps/mailbox.h"

#include <linux/futex.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

namespace capsa::caps {
namespace {

uint32_t LoadAcquire(uint32_t& word) {
  return std::atomic_ref<uint32_t>(word).load(std::memory_order_acquire);
}
void StoreRelease(uint32_t& word, uint32_t value) {
  std::atomic_ref<uint32_t>(word).store(value, std::memory_order_release);
}
// The Dekker half of the sleep handshake: a store, then a full fence, so the
// load that follows cannot be ordered before it.
void StoreFenced(uint32_t& word, uint32_t value) {
  std::atomic_ref<uint32_t>(word).store(value, std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

uint64_t NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Spins until done() or `budget_ns` has passed; true when done() held. The
// clock (vDSO) is read every 64 turns only.
template <typename Done>
bool SpinUntil(Done done, uint64_t budget_ns) {
  if (budget_ns == 0) return done();
  const uint64_t start = NowNs();
  for (uint32_t turn = 1;; ++turn) {
    if (done()) return true;
    __builtin_ia32_pause();
    if (turn % 64 == 0 && NowNs() - start >= budget_ns) return done();
  }
}

// Shared (not PRIVATE) futex: the word is in a page two processes map.
// Returns on a wake, a timeout, a signal, or at once when *word != expected.
void FutexWait(uint32_t* word, uint32_t expected, uint64_t timeout_ns) {
  const timespec timeout{static_cast<time_t>(timeout_ns / 1'000'000'000ull),
                         static_cast<long>(timeout_ns % 1'000'000'000ull)};
  syscall(SYS_futex, word, FUTEX_WAIT, expected, &timeout, nullptr, 0);
}

void FutexWake(uint32_t* word) { syscall(SYS_futex, word, FUTEX_WAKE, 1, nullptr, nullptr, 0); }

// Writes `parts` back to back from `area` on; the caller has checked that
// their total fits the area.
void CopyParts(uint8_t* area, std::span<const iovec> parts) {
  size_t at = 0;
  for (const iovec& part : parts) {
    if (part.iov_len == 0) continue;
    std::memcpy(area + at, part.iov_base, part.iov_len);
    at += part.iov_len;
  }
}

// The page is shared with a hostile writer: after copying bytes out of it,
// the compiler must not re-read the page in place of the copy (a double
// fetch). A memory clobber forbids that.
void CompilerBarrier() { asm volatile("" ::: "memory"); }

}  // namespace

uint64_t SpinGovernor::Budget() {
  if (spinning_) return max_ns_;
  if (++since_probe_ < probe_gap_) return 0;
  since_probe_ = 0;
  return max_ns_;  // a probe
}

void SpinGovernor::Record(bool caught_in_spin) {
  if (caught_in_spin) {
    spinning_ = true;
    misses_ = 0;
    probe_gap_ = kMinProbeGap;
    return;
  }
  if (!spinning_) {
    if (probe_gap_ < kMaxProbeGap) probe_gap_ *= 2;  // a probe failed: back off
    return;
  }
  // One miss may be a slow call or a preemption; two in a row stop the spin.
  if (++misses_ >= kMissesToStop) spinning_ = false;
}

// ---- worker side ----

WorkerMailbox::WorkerMailbox(ControlPage* page, int socket_fd)
    : page_(page), socket_fd_(socket_fd) {}

void WorkerMailbox::Post(std::span<const iovec> parts) {
  CopyParts(page_->request, parts);
  StoreRelease(page_->req_seq, ++seq_);
  WakeBroker();
}

// The fence orders the publication before it (req_seq, or a socket send)
// against the read of the flag: the Dekker pair of BrokerMailbox::Wait.
void WorkerMailbox::WakeBroker() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (std::atomic_ref<uint32_t>(page_->broker_sleeping).load(std::memory_order_relaxed) != 0) {
    FutexWake(&page_->req_seq);
  }
}

Received WorkerMailbox::AwaitReply(std::span<uint8_t> out) {
  auto replied = [&] { return LoadAcquire(page_->rep_seq) == seq_; };
  const uint64_t budget = spin_.Budget();
  const bool caught = SpinUntil(replied, budget);
  if (budget != 0) spin_.Record(caught);
  if (!caught) {
    for (;;) {
      StoreFenced(page_->worker_sleeping, 1);
      const uint32_t seen = LoadAcquire(page_->rep_seq);
      if (seen == seq_) break;
      FutexWait(&page_->rep_seq, seen, kWorkerSleepNs);
      if (replied()) break;
      // Still nothing: is the broker there at all? EOF on the socket says no.
      char byte;
      const ssize_t n = recv(socket_fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n == 0) {
        StoreRelease(page_->worker_sleeping, 0);
        return Received{ReceiveStatus::kClosed, 0, 0};
      }
      if (n > 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        // A socket message while a mailbox call is pending: not our broker.
        StoreRelease(page_->worker_sleeping, 0);
        return Received{ReceiveStatus::kError, 0, n > 0 ? EPROTO : errno};
      }
    }
    StoreRelease(page_->worker_sleeping, 0);
  }
  wire::ReplyHeader header;
  std::memcpy(&header, page_->reply, sizeof(header));
  CompilerBarrier();
  const size_t length = header.length;
  if (length < sizeof(header) || length > kReplyAreaBytes || length > out.size()) {
    return Received{ReceiveStatus::kTruncated, length, 0};
  }
  std::memcpy(out.data(), page_->reply, length);
  return Received{ReceiveStatus::kMessage, length, 0};
}

// ---- broker side ----

BrokerMailbox::BrokerMailbox(ControlPage* page, uint32_t served)
    : page_(page), served_(served) {}

Result<BrokerMailbox::Event> BrokerMailbox::Wait(int socket_fd, uint64_t spin_ns) {
  uint32_t seq = served_;
  auto moved = [&] {
    seq = LoadAcquire(page_->req_seq);
    return seq != served_;
  };
  const uint64_t budget = spin_ns == 0 ? 0 : std::min(spin_ns, spin_.Budget());
  bool arrived = SpinUntil(moved, budget);
  if (budget != 0) spin_.Record(arrived);
  while (!arrived) {
    StoreFenced(page_->broker_sleeping, 1);
    if (moved()) break;
    // After the flag (see WorkerMailbox::WakeBroker): a socket message sent
    // before the worker saw the flag is visible here.
    // Only a ready socket (a message, EOF, an error, or an invalid fd) goes
    // to the caller's blocking receive; a failed poll (EINTR) must not, or
    // the broker would block on the socket while a request waits on the page.
    pollfd pfd{socket_fd, POLLIN, 0};
    if (poll(&pfd, 1, 0) > 0) {
      StoreRelease(page_->broker_sleeping, 0);
      return Event::kSocket;
    }
    FutexWait(&page_->req_seq, served_, kBrokerSleepNs);
    StoreRelease(page_->broker_sleeping, 0);
    arrived = moved();
  }
  StoreRelease(page_->broker_sleeping, 0);
  if (seq != served_ + 1) {
    return MakeError(ErrorCode::kProtocol, "control page sequence jumped from " +
                                               std::to_string(served_) + " to " +
                                               std::to_string(seq) + " (expected " +
                                               std::to_string(served_ + 1) + ")");
  }
  served_ = seq;
  return Event::kRequest;
}

Result<size_t> BrokerMailbox::Take(std::span<uint8_t> buffer) {
  wire::RequestHeader header;
  std::memcpy(&header, page_->request, sizeof(header));
  CompilerBarrier();
  const size_t length = header.length;  // read once; the copy below is what gets parsed
  static_assert(wire::kMaxRequestBytes <= kRequestAreaBytes);
  if (length < sizeof(header) || length > wire::kMaxRequestBytes || length > buffer.size()) {
    return MakeError(ErrorCode::kProtocol, "control page request length " +
                                               std::to_string(length) + " outside [" +
                                               std::to_string(sizeof(header)) + ", " +
                                               std::to_string(wire::kMaxRequestBytes) + "]");
  }
  std::memcpy(buffer.data(), page_->request, length);
  CompilerBarrier();
  return length;
}

bool BrokerMailbox::Reply(std::span<const iovec> parts) {
  size_t total = 0;
  for (const iovec& part : parts) total += part.iov_len;
  if (total > kReplyAreaBytes) return false;
  CopyParts(page_->reply, parts);
  StoreRelease(page_->rep_seq, served_);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (std::atomic_ref<uint32_t>(page_->worker_sleeping).load(std::memory_order_relaxed) != 0) {
    FutexWake(&page_->rep_seq);
  }
  return true;
}

}  // namespace capsa::caps
