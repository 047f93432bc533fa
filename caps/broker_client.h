// The worker side of the broker protocol: a WasiHost whose every resource
// call is one request/reply on the broker socket. Runs inside the seccomp-
// locked worker, so it may only use the socket (no other syscalls than
// sendmsg/recvmsg/read/write on it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/base/result.h"
#include "engine/wasi/wasi_host.h"

namespace capsa::caps {

class BrokerClient final : public wasi::WasiHost {
 public:
  explicit BrokerClient(int socket_fd);

  // Start-up: fetches args, env and the module bytes from the broker.
  Result<void> Hello();
  Result<std::vector<uint8_t>> FetchModule();
  // End of run: exactly one of these is sent, then the worker exits.
  void ReportExit(uint32_t code);
  void ReportTrap(const std::string& message);

  // WasiHost (see engine/wasi/wasi_host.h) — declared in the .cc-side
  // implementation; every method is one round trip.
  // ...
};

}  // namespace capsa::caps
