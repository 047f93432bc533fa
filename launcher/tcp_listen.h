// `capsa run --tcplisten HOST:PORT` (as wasmtime's): the launcher binds and
// listens before any child starts; the socket becomes a preopened fd after
// the directories (caps::Preopen::Socket). The broker may only accept on it
// (its seccomp filter denies socket/bind/listen/connect); the worker never
// holds it.
#pragma once

#include <string>

#include "caps/unique_fd.h"
#include "engine/base/result.h"

namespace capsa::launcher {

struct TcpAddress {
  std::string host;  // name or numeric address; "[::1]" is given as "::1"
  std::string port;  // decimal 0..65535
};

// "127.0.0.1:8080", "localhost:0", "[::1]:8080". Pure. Errors name the flag.
Result<TcpAddress> ParseTcpListen(const std::string& value);

// socket + SO_REUSEADDR + bind + listen(128), O_CLOEXEC, blocking.
// Errors: "cannot listen on HOST:PORT: <reason>".
Result<caps::UniqueFd> ListenTcp(const TcpAddress& address);

}  // namespace capsa::launcher
