// sock_* handlers, for sockets the launcher preopened (`capsa run --tcplisten
// HOST:PORT`): the guest can accept connections on a listener it was given
// and talk over them; it can never create, bind or connect a socket itself.
// Data moves between the socket and the broker's mapping of guest memory
// (recvmsg/sendmsg on the guest's iovecs: no copies), as for fd_read/fd_write.
//
// The broker serves one worker call at a time, so a blocking accept or recv
// blocks the broker exactly as long as the guest is blocked in that call; a
// guest that wants to do something else meanwhile sets fdflags.nonblock and
// gets EAGAIN, as on any runtime.
#include <sys/socket.h>

#include <cerrno>
#include <string>
#include <utility>

#include "caps/broker_session.h"
#include "caps/errno_map.h"
#include "caps/host_stat.h"

namespace capsa::caps {

namespace right = wasi::right;
using wasi::Errno;

namespace {

// WASI riflags / roflags / sdflags (witx: typenames.witx).
constexpr uint16_t kRecvPeek = 1 << 0;
constexpr uint16_t kRecvWaitall = 1 << 1;
constexpr uint16_t kRecvDataTruncated = 1 << 0;
constexpr uint32_t kShutRd = 1 << 0;
constexpr uint32_t kShutWr = 1 << 1;

bool IsSocket(const Handle& h) {
  return h.type == wasi::FileType::kSocketStream || h.type == wasi::FileType::kSocketDgram;
}

}  // namespace

Errno BrokerSession::SockAccept(const wire::Request& r, ReplyBody* out) {
  const auto a = r.As<wire::SockArgs>();
  Errno error;
  Handle* listener = Lookup(r.op, a.fd, right::kSockAccept, "", &error);
  if (listener == nullptr) return error;
  if (a.value & ~wasi::fdflag::kNonblock) return Errno::kInval;
  if (!IsSocket(*listener)) return Errno::kNotsock;
  const int flags = SOCK_CLOEXEC | ((a.value & wasi::fdflag::kNonblock) ? SOCK_NONBLOCK : 0);
  int fd;
  do {
    fd = accept4(listener->fd.get(), nullptr, nullptr, flags);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoFromHost(errno);
  Handle h;
  h.fd = UniqueFd(fd);
  h.type = wasi::FileType::kSocketStream;
  h.rights_base = kAcceptedSocketRights;
  h.rights_inheriting = 0;
  h.host_path = listener->host_path + " (accepted)";
  h.origin = HandleOrigin::kDerived;
  policy::DerivedEvent event{wire::OpName(r.op), "", h.host_path, 0, h.rights_base, 0};
  // `listener` may dangle after Insert (the table can grow).
  const std::optional<wasi::Fd> accepted = table_.Insert(std::move(h));
  if (!accepted) return Errno::kMfile;
  event.fd = *accepted;
  if (config_.events != nullptr) config_.events->OnDerived(event);
  out->Set(wire::FdResult{*accepted, 0});
  return Errno::kSuccess;
}

Errno BrokerSession::SockRecv(const wire::Request& r, ReplyBody* out) {
  const auto a = r.As<wire::IoArgs>();
  Errno error;
  Handle* h = Lookup(r.op, a.fd, right::kFdRead, "", &error);
  if (h == nullptr) return error;
  if (a.offset & ~uint64_t{kRecvPeek | kRecvWaitall}) return Errno::kInval;
  if (!IsSocket(*h)) return Errno::kNotsock;
  size_t count = 0;
  if (Errno e = MapIoVecs(r, *h, &count); e != Errno::kSuccess) return e;
  msghdr msg{};
  msg.msg_iov = iovecs_.data();
  msg.msg_iovlen = count;
  const int flags = ((a.offset & kRecvPeek) ? MSG_PEEK : 0) |
                    ((a.offset & kRecvWaitall) ? MSG_WAITALL : 0) | MSG_CMSG_CLOEXEC;
  ssize_t n;
  do {
    n = recvmsg(h->fd.get(), &msg, flags);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoFromHost(errno);
  const uint16_t roflags = (msg.msg_flags & MSG_TRUNC) ? kRecvDataTruncated : 0;
  out->Set(wire::RecvResult{static_cast<uint32_t>(n), roflags, 0});
  return Errno::kSuccess;
}

Errno BrokerSession::SockSend(const wire::Request& r, ReplyBody* out) {
  const auto a = r.As<wire::IoArgs>();
  Errno error;
  Handle* h = Lookup(r.op, a.fd, right::kFdWrite, "", &error);
  if (h == nullptr) return error;
  if (a.offset != 0) return Errno::kInval;  // preview1 defines no siflags
  if (!IsSocket(*h)) return Errno::kNotsock;
  size_t count = 0;
  if (Errno e = MapIoVecs(r, *h, &count); e != Errno::kSuccess) return e;
  msghdr msg{};
  msg.msg_iov = iovecs_.data();
  msg.msg_iovlen = count;
  ssize_t n;
  do {
    n = sendmsg(h->fd.get(), &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoFromHost(errno);
  out->Set(wire::SizeResult{static_cast<uint32_t>(n), 0});
  return Errno::kSuccess;
}

Errno BrokerSession::SockShutdown(const wire::Request& r) {
  const auto a = r.As<wire::SockArgs>();
  Errno error;
  // A non-socket answers ENOTSOCK before any rights check (wasmtime; stdio
  // never holds sock_shutdown, and wasi-testsuite's sock_shutdown-not_sock
  // expects ENOTSOCK for stdout). fd_fdstat_get reveals the type anyway.
  Handle* any = Lookup(r.op, a.fd, 0, "", &error);
  if (any == nullptr) return error;
  if (!IsSocket(*any)) return Errno::kNotsock;
  Handle* h = Lookup(r.op, a.fd, right::kSockShutdown, "", &error);
  if (h == nullptr) return error;
  int how;
  switch (a.value) {
    case kShutRd: how = SHUT_RD; break;
    case kShutWr: how = SHUT_WR; break;
    case kShutRd | kShutWr: how = SHUT_RDWR; break;
    default: return Errno::kInval;
  }
  if (!IsSocket(*h)) return Errno::kNotsock;
  return shutdown(h->fd.get(), how) == 0 ? Errno::kSuccess : ErrnoFromHost(errno);
}

}  // namespace capsa::caps
