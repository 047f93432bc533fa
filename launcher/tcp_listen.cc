#include "launcher/tcp_listen.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace capsa::launcher {

Result<TcpAddress> ParseTcpListen(const std::string& value) {
  const auto bad = [&](const char* why) {
    return MakeError(ErrorCode::kInvalid, "--tcplisten " + value + ": " + why +
                                            " (expected HOST:PORT, e.g. 127.0.0.1:8080)");
  };
  const size_t colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad("missing host or port");
  TcpAddress a;
  a.host = value.substr(0, colon);
  a.port = value.substr(colon + 1);
  if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') {
    a.host = a.host.substr(1, a.host.size() - 2);
  } else if (a.host.find(':') != std::string::npos) {
    return bad("write an IPv6 address in brackets");
  }
  if (a.host.empty()) return bad("empty host");
  if (a.port.empty() || a.port.size() > 5 ||
      a.port.find_first_not_of("0123456789") != std::string::npos || std::stoul(a.port) > 65535) {
    return bad("port must be a number from 0 to 65535");
  }
  return a;
}

Result<caps::UniqueFd> ListenTcp(const TcpAddress& address) {
  const std::string what = "cannot listen on " + address.host + ":" + address.port;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* list = nullptr;
  if (int rc = getaddrinfo(address.host.c_str(), address.port.c_str(), &hints, &list); rc != 0) {
    return MakeError(ErrorCode::kIo, what + ": " + gai_strerror(rc));
  }
  int last_errno = EADDRNOTAVAIL;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    caps::UniqueFd fd(socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
    if (!fd.valid()) {
      last_errno = errno;
      continue;
    }
    const int one = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd.get(), 128) == 0) {
      freeaddrinfo(list);
      return fd;
    }
    last_errno = errno;
  }
  freeaddrinfo(list);
  return MakeError(ErrorCode::kIo, what + ": " + strerrordesc_np(last_errno));
}

}  // namespace capsa::launcher
