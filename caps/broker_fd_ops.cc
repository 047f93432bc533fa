// fd_* handlers: bytes move with readv/writev/preadv/pwritev straight between
// the real fd and the broker's mapping of guest memory (no payload copies).
#include <fcntl.h>
#include <sys/stat.h>
#include <spdlog/spdlog.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "caps/broker_session.h"
#include "caps/errno_map.h"
#include "caps/host_stat.h"
#include "caps/rights.h"

namespace capsa::caps {

namespace right = wasi::right;
using wasi::Errno;

namespace {

Errno HostError() { return ErrnoFromHost(errno); }

Errno Check(int rc) { return rc == 0 ? Errno::kSuccess : HostError(); }

constexpr uint64_t kMaxOff = static_cast<uint64_t>(std::numeric_limits<off_t>::max());

// After fd_fdstat_set_rights dropped every right that needs a writable
// descriptor, swap a writable regular-file descriptor for a read-only one so
// the kernel enforces the drop too. The new description keeps the offset and
// the status flags; on any failure the old descriptor stays (the broker's own
// rights check still holds).
void ReopenReadOnly(Handle* h) {
  if (h->type != wasi::FileType::kRegularFile) return;
  const int fl = fcntl(h->fd.get(), F_GETFL);
  if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) return;
  const std::string proc = "/proc/self/fd/" + std::to_string(h->fd.get());
  UniqueFd ro(open(proc.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
                                     (fl & (O_APPEND | O_DSYNC | O_SYNC))));
  if (!ro.valid()) return;
  if (!(fl & O_NONBLOCK)) {
    const int rf = fcntl(ro.get(), F_GETFL);
    if (rf < 0 || fcntl(ro.get(), F_SETFL, rf & ~O_NONBLOCK) != 0) return;
  }
  const off_t at = lseek(h->fd.get(), 0, SEEK_CUR);
  if (at < 0 || lseek(ro.get(), at, SEEK_SET) != at) return;
  h->fd = std::move(ro);
}


}  // namespace

Errno BrokerSession::MoveBytes(const wire::Request& r, Direction dir, Positioned pos,
                               ReplyBody* out) {
  const auto args = r.As<wire::IoArgs>();
  wasi::Rights needed = dir == Direction::kRead ? right::kFdRead : right::kFdWrite;
  if (pos == Positioned::kAt) needed |= right::kFdSeek;
  Errno error;
  Handle* h = Lookup(r.op, args.fd, needed, "", &error);
  if (h == nullptr) return error;
  size_t count = 0;
  if (Errno e = MapIoVecs(r, *h, &count); e != Errno::kSuccess) return e;
  if (pos == Positioned::kAt &&
      args.offset > static_cast<uint64_t>(std::numeric_limits<off_t>::max())) {
    return Errno::kInval;
  }
  const auto offset = static_cast<off_t>(args.offset);
  const int fd = h->fd.get();
  // --max-output: stdout and stderr share one budget (launcher decision).
  const bool capped = dir == Direction::kWrite && config_.max_output_bytes != 0 &&
                      h->origin == HandleOrigin::kStdio && args.fd != 0;
  if (capped) {
    const uint64_t left =
        config_.max_output_bytes - std::min(output_bytes_, config_.max_output_bytes);
    if (left == 0) {
      output_limit_hit_ = true;
      return Errno::kFbig;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < count; ++i) {
      const uint64_t room = left - total;
      if (iovecs_[i].iov_len > room) {
        iovecs_[i].iov_len = room;
        count = i + 1;
      }
      total += iovecs_[i].iov_len;
    }
  }
  const int n_iov = static_cast<int>(count);
  ssize_t n;
  do {
    if (dir == Direction::kRead) {
      n = pos == Positioned::kAt ? preadv(fd, iovecs_.data(), n_iov, offset)
                                 : readv(fd, iovecs_.data(), n_iov);
    } else {
      n = pos == Positioned::kAt ? pwritev(fd, iovecs_.data(), n_iov, offset)
                                 : writev(fd, iovecs_.data(), n_iov);
    }
  } while (n < 0 && errno == EINTR);
  if (n < 0) return HostError();
  if (capped) output_bytes_ += static_cast<uint64_t>(n);
  // Linux moves at most 0x7ffff000 bytes per call, so n always fits a u32.
  out->Set(wire::SizeResult{static_cast<uint32_t>(n), 0});
  return Errno::kSuccess;
}

Errno BrokerSession::FdClose(const wire::Request& r) {
  const auto args = r.As<wire::FdArgs>();
  Errno error;
  if (Lookup(r.op, args.fd, 0, "", &error) == nullptr) return error;
  table_.Remove(args.fd);  // preopens and stdio may be closed too, as in wasmtime
  return Errno::kSuccess;
}

Errno BrokerSession::FdSeek(const wire::Request& r, ReplyBody* out) {
  const auto args = r.As<wire::SeekArgs>();
  // fd_tell is lseek(0, SEEK_CUR), so that form is allowed with either right.
  const bool is_tell = args.offset == 0 && args.whence == static_cast<uint8_t>(wasi::Whence::kCur);
  Errno error;
  Handle* h = Lookup(r.op, args.fd, 0, "", &error);
  if (h == nullptr) return error;
  if (!h->Has(right::kFdSeek) && !(is_tell && h->Has(right::kFdTell))) {
    return Deny(r.op, "", h->host_path, h->rights_base, right::kFdSeek, Errno::kNotcapable,
                "fd " + std::to_string(args.fd) + " lacks fd_seek");
  }
  int whence;
  switch (static_cast<wasi::Whence>(args.whence)) {
    case wasi::Whence::kSet: whence = SEEK_SET; break;
    case wasi::Whence::kCur: whence = SEEK_CUR; break;
    case wasi::Whence::kEnd: whence = SEEK_END; break;
    default: return Errno::kInval;
  }
  const off_t at = lseek(h->fd.get(), args.offset, whence);
  if (at < 0) return HostError();
  out->Set(wire::U64Result{static_cast<uint64_t>(at)});
  return Errno::kSuccess;
}

Errno BrokerSession::FdTell(const wire::Request& r, ReplyBody* out) {
  const auto args = r.As<wire::FdArgs>();
  Errno error;
  Handle* h = Lookup(r.op, args.fd, right::kFdTell, "", &error);
  if (h == nullptr) return error;
  const off_t at = lseek(h->fd.get(), 0, SEEK_CUR);
  if (at < 0) return HostError();
  out->Set(wire::U64Result{static_cast<uint64_t>(at)});
  return Errno::kSuccess;
}

Errno BrokerSession::FdFdstatGet(const wire::Request& r, ReplyBody* out) {
  const auto args = r.As<wire::FdArgs>();
  Errno error;
  Handle* h = Lookup(r.op, args.fd, 0, "", &error);
  if (h == nullptr) return error;
  const int flags = fcntl(h->fd.get(), F_GETFL);
  if (flags < 0) return HostError();
  wire::FdStatResult s{};
  s.filetype = static_cast<uint8_t>(h->type);
  s.flags = FdFlagsFromOpenFlags(flags);
  s.rights_base = h->rights_base;
  s.rights_inheriting = h->rights_inheriting;
  out->Set(s);
  return Errno::kSuccess;
}

Errno BrokerSession::FdFdstatSetFlags(const wire::Request& r) {
  const auto args = r.As<wire::SetFlagsArgs>();
  Errno error;
  Handle* h = Lookup(r.op, args.fd, right::kFdFdstatSetFlags, "", &error);
  if (h == nullptr) return error;
  // Only append and nonblock can change on an open description (as wasmtime).
  constexpr wasi::FdFlags kSettable = wasi::fdflag::kAppend | wasi::fdflag::kNonblock;
  if (args.flags & ~kSettable) return Errno::kInval;
  const int flags = fcntl(h->fd.get(), F_GETFL);
  if (flags < 0) return HostError();
  // Append-only stays append-only: a handle that appends and may not position
  // its writes (no fd_seek) cannot turn APPEND off and write at its offset.
  if ((flags & O_APPEND) && !(args.flags & wasi::fdflag::kAppend) && !h->Has(right::kFdSeek)) {
    return Deny(r.op, "", h->host_path, h->rights_base, right::kFdSeek, Errno::kNotcapable,
                "fd " + std::to_string(args.fd) +
                    " is append-only (no fd_seek); APPEND cannot be cleared");
  }
  int wanted = flags & ~(O_APPEND | O_NONBLOCK);
  if (args.flags & wasi::fdflag::kAppend) wanted |= O_APPEND;
  if (args.flags & wasi::fdflag::kNonblock) wanted |= O_NONBLOCK;
  if (fcntl(h->fd.get(), F_SETFL, wanted) != 0) return HostError();
  return Errno::kSuccess;
}

// fd_prestat_get/dir_name on a non-preopen answer EBADF without a denial:
// wasi-libc probes fd 3, 4, ... at start-up until EBADF, so that answer is the
// normal end of every run's preopen scan, not a refusal.
Errno BrokerSession::FdPrestatGet(const wire::Request& r, ReplyBody* out) {
  const auto args = r.As<wire::FdArgs>();
  const Handle* h = table_.Get(args.fd);
  // Preopened sockets are no directories: EBADF ends libc's preopen scan.
  if (h == nullptr || h->origin != HandleOrigin::kPreopen ||
      h->type != wasi::FileType::kDirectory) {
    return Errno::kBadf;
  }
  out->Set(wire::PrestatResult{0, static_cast<uint32_t>(h->guest_path.size())});
  return Errno::kSuccess;
}

Errno BrokerSession::FdPrestatDirName(const wire::Request& r, ReplyBody* out) {
  const auto args = r.As<wire::FdArgs>();
  const Handle* h = table_.Get(args.fd);
  // Preopened sockets are no directories: EBADF ends libc's preopen scan.
  if (h == nullptr || h->origin != HandleOrigin::kPreopen ||
      h->type != wasi::FileType::kDirectory) {
    return Errno::kBadf;
  }
  if (h->guest_path.size() > wire::kMaxTextBytes) return Errno::kNametoolong;
  out->Set(wire::TextArgs{static_cast<uint32_t>(h->guest_path.size()), 0});
  out->text = h->guest_path;
  return Errno::kSuccess;
}

Errno BrokerSession::FdFilestatGet(const wire::Request& r, ReplyBody* out) {
  const auto args = r.As<wire::FdArgs>();
  Errno error;
  Handle* h = Lookup(r.op, args.fd, right::kFdFilestatGet, "", &error);
  if (h == nullptr) return error;
  wasi::FileStat st{};
  if (int e = StatFd(h->fd.get(), &st); e != 0) return ErrnoFromHost(e);
  out->Set(wire::ToWire(st));
  return Errno::kSuccess;
}

Errno BrokerSession::FdSync(const wire::Request& r, wasi::Rights right) {
  const auto args = r.As<wire::FdArgs>();
  Errno error;
  Handle* h = Lookup(r.op, args.fd, right, "", &error);
  if (h == nullptr) return error;
  const int rc = right == right::kFdSync ? fsync(h->fd.get()) : fdatasync(h->fd.get());
  return rc == 0 ? Errno::kSuccess : HostError();
}

// fd_renumber(from, to): both must be open; `to` is closed and `from` moves
// there (as wasmtime). Preopens and stdio may be renumbered too.
Errno BrokerSession::FdRenumber(const wire::Request& r) {
  const auto a = r.As<wire::RenumberArgs>();
  Errno error;
  Handle* from = Lookup(r.op, a.from, 0, "", &error);
  if (from == nullptr) return error;
  if (Lookup(r.op, a.to, 0, "", &error) == nullptr) return error;
  if (a.from == a.to) return Errno::kSuccess;
  Handle moved = std::move(*from);
  table_.Remove(a.from);  // its fd moved out: closes nothing
  table_.Remove(a.to);
  if (Result<void> put = table_.InstallAt(a.to, std::move(moved)); !put.ok()) return Errno::kIo;
  return Errno::kSuccess;
}

// Rights can only be dropped: asking for any right not held is ENOTCAPABLE.
Errno BrokerSession::FdFdstatSetRights(const wire::Request& r) {
  const auto a = r.As<wire::SetRightsArgs>();
  Errno error;
  Handle* h = Lookup(r.op, a.fd, 0, "", &error);
  if (h == nullptr) return error;
  const wasi::Rights extra_base = a.rights_base & ~h->rights_base;
  const wasi::Rights extra_inh = a.rights_inheriting & ~h->rights_inheriting;
  if (extra_base != 0 || extra_inh != 0) {
    return Deny(r.op, "", h->host_path, h->rights_base, a.rights_base,
                Errno::kNotcapable,
                "fd_fdstat_set_rights may only drop rights; not held: " +
                    RightsToString(extra_base | extra_inh));
  }
  h->rights_base = a.rights_base;
  h->rights_inheriting = a.rights_inheriting;
  if ((h->rights_base & rights::kNeedsWritableFd) == 0) ReopenReadOnly(h);
  return Errno::kSuccess;
}

Errno BrokerSession::FdFilestatSetSize(const wire::Request& r) {
  const auto a = r.As<wire::SetSizeArgs>();
  Errno error;
  Handle* h = Lookup(r.op, a.fd, right::kFdFilestatSetSize, "", &error);
  if (h == nullptr) return error;
  if (a.size > kMaxOff) return Errno::kInval;
  return Check(ftruncate(h->fd.get(), static_cast<off_t>(a.size)));
}

Errno BrokerSession::FdFilestatSetTimes(const wire::Request& r) {
  const auto a = r.As<wire::TimesArgs>();
  Errno error;
  Handle* h = Lookup(r.op, a.fd, right::kFdFilestatSetTimes, "", &error);
  if (h == nullptr) return error;
  timespec times[2];
  TimesFromFlags(a.atim, a.mtim, a.fst_flags, times);
  if (futimens(h->fd.get(), times) == 0) return Errno::kSuccess;
  if (errno != EBADF) return HostError();
  // An O_PATH descriptor (a preopen the launcher opened so): through /proc.
  const std::string proc = "/proc/self/fd/" + std::to_string(h->fd.get());
  return Check(utimensat(AT_FDCWD, proc.c_str(), times, 0));
}

Errno BrokerSession::FdAdvise(const wire::Request& r) {
  const auto a = r.As<wire::FdRangeArgs>();
  Errno error;
  Handle* h = Lookup(r.op, a.fd, right::kFdAdvise, "", &error);
  if (h == nullptr) return error;
  int advice;
  switch (static_cast<wasi::Advice>(a.advice)) {
    case wasi::Advice::kNormal: advice = POSIX_FADV_NORMAL; break;
    case wasi::Advice::kSequential: advice = POSIX_FADV_SEQUENTIAL; break;
    case wasi::Advice::kRandom: advice = POSIX_FADV_RANDOM; break;
    case wasi::Advice::kWillneed: advice = POSIX_FADV_WILLNEED; break;
    case wasi::Advice::kDontneed: advice = POSIX_FADV_DONTNEED; break;
    case wasi::Advice::kNoreuse: advice = POSIX_FADV_NOREUSE; break;
    default: return Errno::kInval;
  }
  if (a.offset > kMaxOff || a.length > kMaxOff) return Errno::kInval;
  const int rc = posix_fadvise(h->fd.get(), static_cast<off_t>(a.offset),
                               static_cast<off_t>(a.length), advice);
  return rc == 0 ? Errno::kSuccess : ErrnoFromHost(rc);
}

// posix_fallocate (the file grows to offset+length if shorter); ENOTSUP from
// filesystems that cannot, as wasmtime reports.
Errno BrokerSession::FdAllocate(const wire::Request& r) {
  const auto a = r.As<wire::FdRangeArgs>();
  Errno error;
  Handle* h = Lookup(r.op, a.fd, right::kFdAllocate, "", &error);
  if (h == nullptr) return error;
  if (a.offset > kMaxOff || a.length > kMaxOff - a.offset) return Errno::kInval;
  if (h->type != wasi::FileType::kRegularFile) {
    return h->type == wasi::FileType::kDirectory ? Errno::kBadf : Errno::kSpipe;
  }
  if (a.length == 0) return Errno::kInval;
  const int rc = posix_fallocate(h->fd.get(), static_cast<off_t>(a.offset),
                                 static_cast<off_t>(a.length));
  return rc == 0 ? Errno::kSuccess : ErrnoFromHost(rc == EOPNOTSUPP ? ENOTSUP : rc);
}

}  // namespace capsa::caps
