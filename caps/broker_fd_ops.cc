// fd_* handlers: bytes move with readv/writev/preadv/pwritev straight between
// the real fd and the broker's mapping of guest memory (no payload copies).
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>

#include "caps/broker_session.h"
#include "caps/errno_map.h"
#include "caps/host_stat.h"

namespace capsa::caps {

namespace right = wasi::right;
using wasi::Errno;

namespace {

Errno HostError() { return ErrnoFromHost(errno); }


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
  if (h == nullptr || h->origin != HandleOrigin::kPreopen) return Errno::kBadf;
  out->Set(wire::PrestatResult{0, static_cast<uint32_t>(h->guest_path.size())});
  return Errno::kSuccess;
}

Errno BrokerSession::FdPrestatDirName(const wire::Request& r, ReplyBody* out) {
  const auto args = r.As<wire::FdArgs>();
  const Handle* h = table_.Get(args.fd);
  if (h == nullptr || h->origin != HandleOrigin::kPreopen) return Errno::kBadf;
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

}  // namespace capsa::caps
