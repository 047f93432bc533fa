// The abstract host behind the guest-side WASI layer.
//
// The engine's WASI layer (engine/wasi/wasi_imports.*) reads each call's
// arguments out of linear memory, bounds-checks them against the engine's own
// memory size, and calls one method here. Buffers are passed as guest-memory
// ranges (IoVec), never as host pointers: the production host (caps'
// BrokerClient) forwards the ranges to the broker, which moves the bytes
// between the real fd and its own mapping of the linear-memory memfd, and
// re-checks every range against the size it observes itself. In-process hosts
// (tests) resolve the ranges against a GuestMemory they were given.
//
// Strings (paths) are copied out of linear memory exactly once, by the WASI
// layer, and passed as std::string_view valid for the duration of the call.
//
// Every method returns a WASI errno; results go to out-parameters which are
// only meaningful on kSuccess. Methods are called from the engine's single
// thread; implementations need not be thread-safe and are not
// async-signal-safe. The optional methods' defaults live in wasi_host.cc.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/wasi/wasi_types.h"

namespace capsa::wasi {

// A range of guest linear memory.
struct IoVec {
  uint32_t offset;
  uint32_t length;
};

class WasiHost {
 public:
  virtual ~WasiHost() = default;

  // Program arguments (argv[0] first) and environment ("K=V"), fixed for the run.
  virtual const std::vector<std::string>& Args() = 0;
  virtual const std::vector<std::string>& Environ() = 0;

  virtual Errno FdWrite(Fd fd, std::span<const IoVec> iovs, Size* nwritten) = 0;
  virtual Errno FdRead(Fd fd, std::span<const IoVec> iovs, Size* nread) = 0;
  virtual Errno FdPwrite(Fd fd, std::span<const IoVec> iovs, FileSize offset, Size* nwritten) = 0;
  virtual Errno FdPread(Fd fd, std::span<const IoVec> iovs, FileSize offset, Size* nread) = 0;
  virtual Errno FdClose(Fd fd) = 0;
  virtual Errno FdSeek(Fd fd, FileDelta offset, Whence whence, FileSize* new_offset) = 0;
  virtual Errno FdTell(Fd fd, FileSize* offset) = 0;
  virtual Errno FdFdstatGet(Fd fd, FdStat* stat) = 0;
  virtual Errno FdFdstatSetFlags(Fd fd, FdFlags flags) = 0;
  virtual Errno FdPrestatGet(Fd fd, Prestat* prestat) = 0;
  virtual Errno FdPrestatDirName(Fd fd, std::string* name) = 0;
  virtual Errno FdFilestatGet(Fd fd, FileStat* stat) = 0;
  virtual Errno FdSync(Fd fd) = 0;
  virtual Errno FdDatasync(Fd fd) = 0;

  virtual Errno PathOpen(Fd dir_fd, LookupFlags dirflags, std::string_view path, OFlags oflags,
                         Rights rights_base, Rights rights_inheriting, FdFlags fdflags,
                         Fd* opened) = 0;
  virtual Errno PathFilestatGet(Fd dir_fd, LookupFlags flags, std::string_view path,
                                FileStat* stat) = 0;
  virtual Errno PathCreateDirectory(Fd dir_fd, std::string_view path) = 0;
  virtual Errno PathRemoveDirectory(Fd dir_fd, std::string_view path) = 0;
  virtual Errno PathUnlinkFile(Fd dir_fd, std::string_view path) = 0;

  virtual Errno ClockResGet(ClockId id, Timestamp* resolution) = 0;
  virtual Errno ClockTimeGet(ClockId id, Timestamp precision, Timestamp* time) = 0;
  // Fills the guest range with cryptographically secure random bytes.
  virtual Errno RandomGet(IoVec buffer) = 0;
  virtual Errno SchedYield() = 0;

  // Optional operations. The defaults report the call as unsupported, so a
  // host implements only what it grants; the guest sees ENOSYS otherwise.
  virtual Errno FdAdvise(Fd fd, FileSize offset, FileSize len, Advice advice);
  virtual Errno FdAllocate(Fd fd, FileSize offset, FileSize len);
  virtual Errno FdFdstatSetRights(Fd fd, Rights rights_base, Rights rights_inheriting);
  virtual Errno FdFilestatSetSize(Fd fd, FileSize size);
  virtual Errno FdFilestatSetTimes(Fd fd, Timestamp atim, Timestamp mtim, FstFlags flags);
  // Packs the entries from `cookie` on (0 = the first) into the guest range
  // `buf` (PackDirent in wasi_types.h: the last one cut at buf.length) and sets
  // *bufused <= buf.length; less than buf.length means the directory ended.
  // The host writes guest memory itself (the broker through its own mapping).
  virtual Errno FdReaddir(Fd fd, DirCookie cookie, IoVec buf, Size* bufused);
  virtual Errno FdRenumber(Fd from, Fd to);
  virtual Errno PathFilestatSetTimes(Fd dir_fd, LookupFlags flags, std::string_view path,
                                     Timestamp atim, Timestamp mtim, FstFlags fst_flags);
  virtual Errno PathLink(Fd old_dir_fd, LookupFlags old_flags, std::string_view old_path,
                         Fd new_dir_fd, std::string_view new_path);
  // The link's full target; the WASI layer truncates it to the guest buffer.
  virtual Errno PathReadlink(Fd dir_fd, std::string_view path, std::string* target);
  virtual Errno PathRename(Fd old_dir_fd, std::string_view old_path, Fd new_dir_fd,
                           std::string_view new_path);
  virtual Errno PathSymlink(std::string_view old_path, Fd dir_fd, std::string_view new_path);
  // `subscriptions` is non-empty; appends one Event per subscription that fired.
  virtual Errno PollOneoff(std::span<const Subscription> subscriptions, std::vector<Event>* events);

  // Sockets the host preopened (sock_*). `flags` of SockAccept are fdflags
  // (only nonblock); `ri_flags` are WASI riflags (peek 1, waitall 2),
  // `*ro_flags` roflags (recv_data_truncated 1); `how` is sdflags (rd 1, wr 2).
  virtual Errno SockAccept(Fd fd, FdFlags flags, Fd* accepted);
  virtual Errno SockRecv(Fd fd, std::span<const IoVec> iovs, uint16_t ri_flags, Size* ro_datalen,
                         uint16_t* ro_flags);
  virtual Errno SockSend(Fd fd, std::span<const IoVec> iovs, uint16_t si_flags, Size* so_datalen);
  virtual Errno SockShutdown(Fd fd, uint8_t how);

  // A WASI import the runtime does not implement was called. The host logs it
  // (it is a denial of sorts: the guest asked for something it cannot have).
  // Returns the errno the guest sees (kNosys).
  virtual Errno Unsupported(std::string_view function) = 0;
};

}  // namespace capsa::wasi
