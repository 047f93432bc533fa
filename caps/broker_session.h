// BrokerSession: the state of one RunBroker call (capability table, memory
// map, receive/reply buffers) and one handler per request op. Internal to
// caps/; the public entry point is RunBroker (caps/broker.h).
//
// Handlers are split by what they touch: broker.cc (session loop, start-up,
// blobs, reports), broker_checks.cc (lookups, range checks, denials),
// broker_fd_ops.cc (fd_*), broker_path_ops.cc (path_open, stat, mkdir/rmdir/unlink),
// broker_dir_ops.cc (readdir, link, rename, symlink, readlink, set times),
// broker_poll_ops.cc (poll_oneoff), broker_misc_ops.cc (clocks, random, yield,
// unsupported).
// Every handler returns the WASI errno for the reply and fills `result`
// (the op's fixed result body) only on success.
#pragma once

#include <sys/uio.h>
#include <time.h>

#include <array>
#include <cstdint>
#include <string>
#include <optional>
#include <string_view>

#include "caps/broker.h"
#include "caps/control_page.h"
#include "caps/deny_rules.h"
#include "caps/guest_memory_map.h"
#include "caps/handle_table.h"
#include "caps/mailbox.h"
#include "caps/path_resolver.h"
#include "caps/protocol.h"

namespace capsa::caps {

// A reply body under construction: the op's fixed result plus optional text.
struct ReplyBody {
  std::array<uint8_t, 64> bytes{};
  std::string text;  // the reply trailer: fd_prestat_dir_name, path_readlink, poll_oneoff

  template <typename T>
  void Set(const T& value) {
    static_assert(sizeof(T) <= sizeof(bytes));
    std::memcpy(bytes.data(), &value, sizeof(T));
  }
};

class BrokerSession {
 public:
  explicit BrokerSession(BrokerConfig config);
  WorkerOutcome Run();

 private:
  enum class Direction : uint8_t { kRead, kWrite };
  // Where a request came from; its reply goes back the same way.
  enum class Transport : uint8_t { kSocket, kMailbox };
  enum class Positioned : uint8_t { kStream, kAt };

  // broker.cc
  void InstallStdio();
  void InstallPreopens();
  wasi::Errno Dispatch(const wire::Request& request, ReplyBody* result);
  // Socket sends return 0 or the errno (the worker is gone); a mailbox
  // reply returns 0 (or EMSGSIZE, which no valid reply reaches).
  int SendReply(Transport transport, wire::Op op, wasi::Errno error, const ReplyBody& result);
  int SendBlob(wire::Op op, std::string_view bytes);
  std::string HelloBlob() const;
  WorkerOutcome Report(const wire::Request& request);  // ReportExit / ReportTrap
  WorkerOutcome Violation(std::string what);
  WorkerOutcome Disconnected(std::string what);

  // Denials: report to the event sink and stderr, return `error`.
  // `guest_path` is the full guest path (handle's guest path + relative);
  // `rule` names the policy rule when a deny rule refused it.
  wasi::Errno Deny(wire::Op op, std::string_view guest_path, std::string host_path,
                   wasi::Rights held, wasi::Rights needed, wasi::Errno error,
                   std::string reason, std::string rule = {});
  // Deny rules (deny_rules.h): kSuccess, or EACCES after a denial naming the
  // rule. Lexical check of `path` beneath `dir`, and — when `resolved_fd` is
  // valid — of where the object (or `resolved_name` inside it) really is.
  wasi::Errno CheckDenyRules(wire::Op op, const Handle& dir, std::string_view path,
                             wasi::Rights needed, int resolved_fd = -1,
                             std::string_view resolved_name = "");
  // The handle for `fd` holding every right in `needed`, or nullptr after a
  // denial (EBADF / ENOTCAPABLE) stored in *error.
  Handle* Lookup(wire::Op op, wasi::Fd fd, wasi::Rights needed, std::string_view guest_path,
                 wasi::Errno* error);
  // Checks each guest range against the observed memory size and builds
  // host iovecs into iovecs_; EFAULT (denied) when one lies outside.
  wasi::Errno MapIoVecs(const wire::Request& request, const Handle& handle, size_t* count);

  // broker_fd_ops.cc
  wasi::Errno MoveBytes(const wire::Request& r, Direction dir, Positioned pos, ReplyBody* out);
  wasi::Errno FdClose(const wire::Request& r);
  wasi::Errno FdSeek(const wire::Request& r, ReplyBody* out);
  wasi::Errno FdTell(const wire::Request& r, ReplyBody* out);
  wasi::Errno FdFdstatGet(const wire::Request& r, ReplyBody* out);
  wasi::Errno FdFdstatSetFlags(const wire::Request& r);
  wasi::Errno FdPrestatGet(const wire::Request& r, ReplyBody* out);
  wasi::Errno FdPrestatDirName(const wire::Request& r, ReplyBody* out);
  wasi::Errno FdFilestatGet(const wire::Request& r, ReplyBody* out);
  wasi::Errno FdSync(const wire::Request& r, wasi::Rights right);
  wasi::Errno FdRenumber(const wire::Request& r);
  wasi::Errno FdFdstatSetRights(const wire::Request& r);
  wasi::Errno FdFilestatSetSize(const wire::Request& r);
  wasi::Errno FdFilestatSetTimes(const wire::Request& r);
  wasi::Errno FdAdvise(const wire::Request& r);
  wasi::Errno FdAllocate(const wire::Request& r);

  // broker_path_ops.cc
  wasi::Errno PathOpen(const wire::Request& r, ReplyBody* out);
  wasi::Errno PathFilestatGet(const wire::Request& r, ReplyBody* out);
  wasi::Errno PathEntryOp(const wire::Request& r);  // mkdir, rmdir, unlink

  // broker_dir_ops.cc
  wasi::Errno FdReaddir(const wire::Request& r, ReplyBody* out);
  wasi::Errno PathFilestatSetTimes(const wire::Request& r);
  wasi::Errno PathLink(const wire::Request& r);
  wasi::Errno PathRename(const wire::Request& r);
  wasi::Errno PathSymlink(const wire::Request& r);
  wasi::Errno PathReadlink(const wire::Request& r, ReplyBody* out);
  // The directory handle `fd` (holding `needed`), its parent of `path` opened
  // beneath it, and the final component; escapes and missing rights are denied.
  wasi::Errno ResolveEntry(wire::Op op, wasi::Fd fd, std::string_view path, wasi::Rights needed,
                           ParentEntry* entry, std::string* host_path);
  // WASI atim/mtim + fst_flags -> utimensat times (UTIME_NOW / UTIME_OMIT).
  static void TimesFromFlags(uint64_t atim, uint64_t mtim, uint16_t flags, timespec out[2]);

  // broker_poll_ops.cc
  wasi::Errno PollOneoff(const wire::Request& r, ReplyBody* out);

  // broker_sock_ops.cc
  wasi::Errno SockAccept(const wire::Request& r, ReplyBody* out);
  wasi::Errno SockRecv(const wire::Request& r, ReplyBody* out);
  wasi::Errno SockSend(const wire::Request& r, ReplyBody* out);
  wasi::Errno SockShutdown(const wire::Request& r);

  // broker_misc_ops.cc
  wasi::Errno Clock(const wire::Request& r, ReplyBody* out);
  wasi::Errno RandomGet(const wire::Request& r);
  wasi::Errno Unsupported(const wire::Request& r);

  BrokerConfig config_;
  DenyRules denies_{config_.denies};  // after config_: initialized from it
  HandleTable table_;
  GuestMemoryMap memory_;
  ControlMapping control_;
  std::optional<BrokerMailbox> mailbox_;  // set when config_.control_fd mapped
  std::string control_error_;             // why config_.control_fd could not be mapped
  std::array<uint8_t, wire::kMaxRequestBytes + 1> request_buffer_{};
  std::array<iovec, wire::kMaxIoVecs> iovecs_{};
  uint64_t output_bytes_ = 0;      // written to stdout + stderr so far
  bool output_limit_hit_ = false;  // a write was refused: end the session
};

// Guest-chosen text made safe for a terminal line: control bytes and
// non-ASCII become \xNN, and long text is cut.
std::string Printable(std::string_view text);

}  // namespace capsa::caps
