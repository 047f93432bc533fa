// The shared control page: the fast transport between the worker's
// BrokerClient and the broker (DESIGN.md, "Data path"). One sealed memfd of
// kControlPageBytes, created by the launcher, mapped MAP_SHARED by both.
//
// It carries the same messages as the socket (caps/protocol.h): the worker
// writes RequestHeader + body + trailer into `request` and bumps req_seq; the
// broker copies the request out ONCE into its own buffer, parses and serves
// it exactly as a socket message, writes ReplyHeader + result + trailer into
// `reply` and sets rep_seq = req_seq. Hello (a chunked blob) never travels
// here; everything else may (caps/mailbox.h says which side does what).
//
// Layout (each side's words on their own cache line, so the spinning reader
// does not steal the line the other side is writing):
//   [0, 64)     req_seq, worker_sleeping          written by the worker
//   [64, 128)   rep_seq, broker_sleeping          written by the broker
//   [128, ...)  request area (>= wire::kMaxRequestBytes)
//   then        reply area (>= wire::kMaxReplyBytes)
//
// The broker treats every byte of the page as hostile: the worker may write
// anything at any time, including while the broker copies.
#pragma once

#include <cstddef>
#include <cstdint>

#include "caps/protocol.h"
#include "caps/unique_fd.h"
#include "engine/base/result.h"

namespace capsa::caps {

inline constexpr size_t kControlPageBytes = 16 * 1024;
inline constexpr size_t kRequestAreaBytes = (wire::kMaxRequestBytes + 63) / 64 * 64;
inline constexpr size_t kReplyAreaBytes = (wire::kMaxReplyBytes + 63) / 64 * 64;

struct ControlPage {
  // Written by the worker. req_seq is the futex word the broker sleeps on.
  alignas(64) uint32_t req_seq;
  uint32_t worker_sleeping;  // 1 while the worker may be in FUTEX_WAIT on rep_seq
  // Written by the broker. rep_seq is the futex word the worker sleeps on.
  alignas(64) uint32_t rep_seq;
  uint32_t broker_sleeping;  // 1 while the broker may be in FUTEX_WAIT on req_seq
  alignas(64) uint8_t request[kRequestAreaBytes];
  alignas(64) uint8_t reply[kReplyAreaBytes];
};
static_assert(sizeof(ControlPage) <= kControlPageBytes);
static_assert(offsetof(ControlPage, rep_seq) == 64 && offsetof(ControlPage, request) == 128);

// A memfd "capsa-control" of exactly kControlPageBytes (zero-filled), sealed
// F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL: neither side can make a mapped
// page vanish (SIGBUS) or resize it. O_CLOEXEC.
Result<UniqueFd> CreateControlMemfd();

// A MAP_SHARED read-write mapping of a control memfd; unmapped on
// destruction. Map refuses a memfd that is not exactly kControlPageBytes or
// lacks F_SEAL_SHRINK (the broker must never fault on the page). Does not
// take ownership of the fd, which may be closed once mapped.
class ControlMapping {
 public:
  ControlMapping() = default;
  ~ControlMapping();
  ControlMapping(ControlMapping&& other) noexcept;
  ControlMapping& operator=(ControlMapping&& other) noexcept;
  ControlMapping(const ControlMapping&) = delete;
  ControlMapping& operator=(const ControlMapping&) = delete;

  static Result<ControlMapping> Map(int fd);
  ControlPage* page() const { return page_; }

 private:
  ControlPage* page_ = nullptr;
};

}  // namespace capsa::caps
