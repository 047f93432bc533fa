#include "caps/channel.h"

#include <sys/socket.h>

#include <cerrno>

namespace capsa::caps {

int SendMessage(int fd, std::span<const iovec> parts) {
  msghdr msg{};
  msg.msg_iov = const_cast<iovec*>(parts.data());
  msg.msg_iovlen = parts.size();
  for (;;) {
    if (sendmsg(fd, &msg, MSG_NOSIGNAL) >= 0) return 0;
    if (errno != EINTR) return errno;
  }
}

Received ReceiveMessage(int fd, std::span<uint8_t> buffer) {
  iovec part{buffer.data(), buffer.size()};
  msghdr msg{};
  msg.msg_iov = &part;
  msg.msg_iovlen = 1;
  for (;;) {
    // MSG_TRUNC makes recvmsg return the real length of an oversized message.
    const ssize_t n = recvmsg(fd, &msg, MSG_TRUNC | MSG_CMSG_CLOEXEC);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Received{ReceiveStatus::kError, 0, errno};
    }
    if (n == 0) return Received{ReceiveStatus::kClosed, 0, 0};
    if (static_cast<size_t>(n) > buffer.size() || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
      return Received{ReceiveStatus::kTruncated, static_cast<size_t>(n), 0};
    }
    return Received{ReceiveStatus::kMessage, static_cast<size_t>(n), 0};
  }
}

}  // namespace capsa::caps
