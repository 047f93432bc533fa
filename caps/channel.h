// Message I/O on the broker socket (SOCK_SEQPACKET): one call sends or
// receives exactly one whole message. Used by both the broker and the worker's
// BrokerClient, so it calls nothing but sendmsg(2) and recvmsg(2) (EINTR is
// retried), allocates nothing and is async-signal-safe.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace capsa::caps {

enum class ReceiveStatus : uint8_t {
  kMessage,    // `size` bytes are in the buffer
  kClosed,     // the peer is gone (or sent an empty message, which no valid peer does)
  kTruncated,  // the message was longer than the buffer, or carried ancillary data
               // (a descriptor sent to us is closed by the kernel, never installed)
  kError,      // `error` holds the errno
};

struct Received {
  ReceiveStatus status = ReceiveStatus::kError;
  size_t size = 0;
  int error = 0;
};

// Gathers `parts` into one message. MSG_NOSIGNAL: a gone peer is EPIPE, not
// SIGPIPE. Returns 0 or the errno.
int SendMessage(int fd, std::span<const iovec> parts);

Received ReceiveMessage(int fd, std::span<uint8_t> buffer);

inline iovec Part(const void* data, size_t size) {
  return iovec{const_cast<void*>(data), size};
}

}  // namespace capsa::caps
