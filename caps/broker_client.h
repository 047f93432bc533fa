// The worker side of the broker protocol: a WasiHost whose every resource
// call is one request/reply (caps/protocol.h), through the shared control
// page (caps/mailbox.h) when it has one, else on the broker socket.
//
// Transports: Hello (a chunked blob) and ReportExit/ReportTrap always use
// the socket (start-up and the end, once each: after a socket send the
// broker is woken through the page if it sleeps there); every other op,
// poll_oneoff included, uses the page when there is one.
//
// Runs inside the seccomp-locked worker. Syscalls it makes: sendmsg and
// recvmsg on the socket (EINTR retried), recvfrom(MSG_PEEK|MSG_DONTWAIT) on
// it to notice a dead broker while waiting on the page, futex (wait/wake on
// the page) and clock_gettime (vDSO; bounds the spin), plus whatever the C++
// heap needs (brk, mmap, munmap, mremap) when Hello/FdPrestatDirName build
// strings. No logging, no other fds.
//
// Start-up order: Hello() (caches args and env), run the
// guest with this object as its WasiHost, then exactly one of ReportExit /
// ReportTrap; the worker exits after it.
//
// Checks it repeats from the broker for fast failure (the broker's are the
// ones that count): more than 1024 iovecs -> EINVAL, a path or name longer
// than 4096 bytes -> ENAMETOOLONG; both unencodable. Anything the broker must
// log as a denial (absolute paths, missing rights, bad fds) is always sent.
//
// Errors: a reply that does not match its request, or a socket failure,
// breaks the channel for good (state() == kBroken) and every later call
// answers EIO; the worker should then exit. Single-threaded; not
// async-signal-safe.
#pragma once

#include <array>
#include <optional>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "caps/control_page.h"
#include "caps/mailbox.h"
#include "caps/protocol.h"
#include "engine/base/result.h"
#include "engine/wasi/wasi_host.h"

namespace capsa::caps {

class BrokerClient final : public wasi::WasiHost {
 public:
  enum class ChannelState : uint8_t { kOk, kBroken };

  // Does not take ownership of socket_fd or of `control` (the mapped
  // control page, or nullptr: socket only), which must outlive this object.
  explicit BrokerClient(int socket_fd, ControlPage* control = nullptr);

  // Start-up: fetches and caches args and env.
  Result<void> Hello();
  // End of run: exactly one of these is sent (no reply), then the worker exits.
  void ReportExit(uint32_t code);
  void ReportTrap(std::string_view message);

  ChannelState state() const { return state_; }

  // WasiHost (engine/wasi/wasi_host.h): each is one round trip, except
  // fd_fdstat_get of a directory answered from fdstat_cache_ (below).
  const std::vector<std::string>& Args() override { return args_; }
  const std::vector<std::string>& Environ() override { return env_; }
  wasi::Errno FdWrite(wasi::Fd fd, std::span<const wasi::IoVec> iovs,
                      wasi::Size* nwritten) override;
  wasi::Errno FdRead(wasi::Fd fd, std::span<const wasi::IoVec> iovs, wasi::Size* nread) override;
  wasi::Errno FdPwrite(wasi::Fd fd, std::span<const wasi::IoVec> iovs, wasi::FileSize offset,
                       wasi::Size* nwritten) override;
  wasi::Errno FdPread(wasi::Fd fd, std::span<const wasi::IoVec> iovs, wasi::FileSize offset,
                      wasi::Size* nread) override;
  wasi::Errno FdClose(wasi::Fd fd) override;
  wasi::Errno FdSeek(wasi::Fd fd, wasi::FileDelta offset, wasi::Whence whence,
                     wasi::FileSize* new_offset) override;
  wasi::Errno FdTell(wasi::Fd fd, wasi::FileSize* offset) override;
  wasi::Errno FdFdstatGet(wasi::Fd fd, wasi::FdStat* stat) override;
  wasi::Errno FdFdstatSetFlags(wasi::Fd fd, wasi::FdFlags flags) override;
  wasi::Errno FdPrestatGet(wasi::Fd fd, wasi::Prestat* prestat) override;
  wasi::Errno FdPrestatDirName(wasi::Fd fd, std::string* name) override;
  wasi::Errno FdFilestatGet(wasi::Fd fd, wasi::FileStat* stat) override;
  wasi::Errno FdSync(wasi::Fd fd) override;
  wasi::Errno FdDatasync(wasi::Fd fd) override;
  wasi::Errno PathOpen(wasi::Fd dir_fd, wasi::LookupFlags dirflags, std::string_view path,
                       wasi::OFlags oflags, wasi::Rights rights_base,
                       wasi::Rights rights_inheriting, wasi::FdFlags fdflags,
                       wasi::Fd* opened) override;
  wasi::Errno PathFilestatGet(wasi::Fd dir_fd, wasi::LookupFlags flags, std::string_view path,
                              wasi::FileStat* stat) override;
  wasi::Errno PathCreateDirectory(wasi::Fd dir_fd, std::string_view path) override;
  wasi::Errno PathRemoveDirectory(wasi::Fd dir_fd, std::string_view path) override;
  wasi::Errno PathUnlinkFile(wasi::Fd dir_fd, std::string_view path) override;
  wasi::Errno ClockResGet(wasi::ClockId id, wasi::Timestamp* resolution) override;
  wasi::Errno ClockTimeGet(wasi::ClockId id, wasi::Timestamp precision,
                           wasi::Timestamp* time) override;
  wasi::Errno FdAdvise(wasi::Fd fd, wasi::FileSize offset, wasi::FileSize len,
                       wasi::Advice advice) override;
  wasi::Errno FdAllocate(wasi::Fd fd, wasi::FileSize offset, wasi::FileSize len) override;
  wasi::Errno FdFdstatSetRights(wasi::Fd fd, wasi::Rights rights_base,
                                wasi::Rights rights_inheriting) override;
  wasi::Errno FdFilestatSetSize(wasi::Fd fd, wasi::FileSize size) override;
  wasi::Errno FdFilestatSetTimes(wasi::Fd fd, wasi::Timestamp atim, wasi::Timestamp mtim,
                                 wasi::FstFlags flags) override;
  // The broker writes the packed entries into guest memory; one round trip.
  wasi::Errno FdReaddir(wasi::Fd fd, wasi::DirCookie cookie, wasi::IoVec buf,
                        wasi::Size* bufused) override;
  wasi::Errno FdRenumber(wasi::Fd from, wasi::Fd to) override;
  wasi::Errno PathFilestatSetTimes(wasi::Fd dir_fd, wasi::LookupFlags flags,
                                   std::string_view path, wasi::Timestamp atim,
                                   wasi::Timestamp mtim, wasi::FstFlags fst_flags) override;
  wasi::Errno PathLink(wasi::Fd old_dir_fd, wasi::LookupFlags old_flags, std::string_view old_path,
                       wasi::Fd new_dir_fd, std::string_view new_path) override;
  wasi::Errno PathReadlink(wasi::Fd dir_fd, std::string_view path, std::string* target) override;
  wasi::Errno PathRename(wasi::Fd old_dir_fd, std::string_view old_path, wasi::Fd new_dir_fd,
                         std::string_view new_path) override;
  wasi::Errno PathSymlink(std::string_view old_path, wasi::Fd dir_fd,
                          std::string_view new_path) override;
  // At most wire::kMaxPollSubs subscriptions per call (more: ENOTSUP).
  wasi::Errno PollOneoff(std::span<const wasi::Subscription> subscriptions,
                         std::vector<wasi::Event>* events) override;
  wasi::Errno SockAccept(wasi::Fd fd, wasi::FdFlags flags, wasi::Fd* accepted) override;
  wasi::Errno SockRecv(wasi::Fd fd, std::span<const wasi::IoVec> iovs, uint16_t ri_flags,
                       wasi::Size* ro_datalen, uint16_t* ro_flags) override;
  wasi::Errno SockSend(wasi::Fd fd, std::span<const wasi::IoVec> iovs, uint16_t si_flags,
                       wasi::Size* so_datalen) override;
  wasi::Errno SockShutdown(wasi::Fd fd, uint8_t how) override;
  wasi::Errno RandomGet(wasi::IoVec buffer) override;
  wasi::Errno SchedYield() override;
  wasi::Errno Unsupported(std::string_view function) override;

 private:
  // Sends header + body + trailer, receives and checks the reply (op, exact
  // length); returns the broker's errno, or kIo once the channel is broken.
  wasi::Errno Call(wire::Op op, const void* body, size_t body_size, const void* trailer = nullptr,
                   size_t trailer_size = 0);
  template <typename T>
  T ReplyAs() const {
    T value{};
    std::memcpy(&value, reply_.data() + sizeof(wire::ReplyHeader), sizeof(T));
    return value;
  }
  wasi::Errno Io(wire::Op op, wasi::Fd fd, std::span<const wasi::IoVec> iovs, uint64_t offset,
                 wasi::Size* moved);
  wasi::Errno FdOnly(wire::Op op, wasi::Fd fd);
  wasi::Errno PathCall(wire::Op op, const wire::PathArgs& args, std::string_view path);
  wasi::Errno TwoPathCall(wire::Op op, wire::TwoPathArgs args, std::string_view old_path,
                          std::string_view new_path);
  // The reply's text trailer (after a result whose first u32 is its length).
  std::string_view ReplyText(size_t result_size) const;
  Result<std::string> FetchBlob(wire::Op op, uint64_t limit);
  wasi::Errno Break();

  // fd_fdstat_get answers for directory handles, remembered from the broker's
  // own earlier answer. wasi-libc's open() asks it of the directory before
  // every path_open, so this saves one round trip in three per open + close.
  // Sound because only this worker's requests change what a guest fd names or
  // a handle's rights and flags, and a directory's open file description is
  // held by the broker alone (no other process can flip its flags).
  // fd_close, fd_renumber and fd_fdstat_set_{flags,rights} forget the fds they
  // name (ForgetFdStat) before they are sent; Call() forgets everything before
  // any other op not in KeepsFdStats. Only successes are kept, so every
  // refusal (and its denial event) still comes from the broker.
  struct CachedFdStat {
    wasi::Fd fd = 0;
    wasi::FdStat stat{};
  };
  static bool KeepsFdStats(wire::Op op);
  void ForgetFdStat(wasi::Fd fd);
  std::array<CachedFdStat, 4> fdstat_cache_{};
  size_t fdstat_cached_ = 0;  // valid entries at the front of fdstat_cache_
  size_t fdstat_next_ = 0;    // slot the next entry replaces once the cache is full

  int socket_fd_;
  std::optional<WorkerMailbox> mailbox_;
  ChannelState state_ = ChannelState::kOk;
  std::vector<std::string> args_;
  std::vector<std::string> env_;
  std::array<uint8_t, wire::kMaxReplyBytes + 1> reply_{};
};

}  // namespace capsa::caps
