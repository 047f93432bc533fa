// The broker: owns every real fd of a run and serves one worker over a
// SOCK_SEQPACKET socket and, when given one, the shared control page
// (caps/control_page.h, caps/mailbox.h). Trusts no byte from the worker,
// whichever way it came (DESIGN.md inv. 4).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "caps/path_resolver.h"
#include "caps/rights.h"
#include "engine/wasi/wasi_types.h"
#include "policy/events.h"
#include "policy/policy.h"

namespace capsa::caps {

// Rights of a preopened listening socket, and of each connection accepted on
// it (what wasmtime grants: accept on the listener; read, write, shutdown on
// a connection; fdflags and polling on both).
inline constexpr wasi::Rights kListenerSocketRights =
    wasi::right::kSockAccept | wasi::right::kPollFdReadwrite | wasi::right::kFdFdstatSetFlags |
    wasi::right::kFdFilestatGet;
inline constexpr wasi::Rights kAcceptedSocketRights =
    wasi::right::kFdRead | wasi::right::kFdWrite | wasi::right::kSockShutdown |
    wasi::right::kPollFdReadwrite | wasi::right::kFdFdstatSetFlags | wasi::right::kFdFilestatGet;

struct Preopen {
  // A directory grant with named rights, e.g.
  //   Preopen::Directory(fd, "/data", "/srv/data", DirRights::ReadOnly())
  static Preopen Directory(int fd, std::string guest_path, std::string host_path,
                           DirRights rights) {
    return Preopen{fd, std::move(guest_path), std::move(host_path), rights.base(),
                   rights.inheriting()};
  }

  // A listening stream socket (`--tcplisten`), e.g.
  //   Preopen::Socket(fd, "tcp:127.0.0.1:8080")
  // It takes the next guest fd after the directories; fd_prestat_get on it
  // answers EBADF (it is no directory), as in wasmtime.
  static Preopen Socket(int fd, std::string host_address) {
    return Preopen{fd, "", std::move(host_address), kListenerSocketRights, 0};
  }

  int fd = -1;                 // O_DIRECTORY|O_PATH or O_RDONLY dir fd, owned by the broker
  std::string guest_path;      // name the guest sees (fd_prestat_dir_name)
  std::string host_path;       // for logs only; never re-opened by path
  wasi::Rights rights_base = 0;
  wasi::Rights rights_inheriting = 0;
};

struct BrokerConfig {
  int socket_fd = -1;          // broker end of the worker socket
  int memfd = -1;              // the worker's linear memory 0 (may stay 0-sized)
  // The control page memfd (caps/control_page.h), or -1: socket only. With
  // it, requests are served from whichever transport they arrive on and
  // answered on the same one; Hello is accepted on the socket only.
  int control_fd = -1;
  int stdin_fd = 0, stdout_fd = 1, stderr_fd = 2;  // guest fds 0, 1, 2
  std::vector<Preopen> preopens;  // guest fds 3, 4, ... in order
  std::vector<std::string> args;  // argv[0] first
  std::vector<std::string> env;   // "K=V"
  policy::EventSink* events = nullptr;  // not owned; may be null
  // Paths inside the preopens refused anyway (policy [[deny]]; caps/deny_rules.h).
  std::vector<policy::DenyRule> denies;
  // Path resolver for this session; kAuto reads CAPSA_RESOLVER (tests), else
  // openat2 with a fall-back to the walk on ENOSYS (caps/path_resolver.h).
  ResolverKind resolver = ResolverKind::kAuto;
  // Cap on the bytes written to the guest's stdout + stderr (0: none). The
  // write that reaches it is shortened to fit; the next one fails with
  // EFBIG and ends the session as kOutputLimit (launcher exit 153).
  uint64_t max_output_bytes = 0;
};

struct WorkerOutcome {
  enum class Kind : uint8_t {
    kExit,               // proc_exit or return from _start; exit_code valid
    kTrap,               // message names trap and function
    kProtocolViolation,  // message says what was malformed
    kDisconnected,       // the worker went away without reporting (crash, kill)
    kOutputLimit,        // the guest wrote past max_output_bytes; message says how much
  };
  Kind kind = Kind::kDisconnected;
  uint32_t exit_code = 0;
  std::string message;
};

// Serves the worker until it reports an outcome or disconnects. Never
// crashes on any input; a malformed message ends the session as
// kProtocolViolation (and is reported to config.events).
//
// Ownership: RunBroker takes the preopen fds (closed when it returns). The
// stdio fds are duplicated (F_DUPFD_CLOEXEC), so a guest fd_close(1) never
// closes the caller's stdout; a stdio fd that is not open is left out of the
// table (the guest sees EBADF). socket_fd, memfd and control_fd stay the
// caller's; a control_fd that cannot be mapped (wrong size, not sealed)
// ends the session at once as kDisconnected. The
// memfd must be sealed F_SEAL_SHRINK (added here if it still allows sealing;
// otherwise every memory access answers EFAULT and an error is logged).
// SIGPIPE is set to ignored for the whole process. Blocks; call it from the
// broker process's main thread (or a test thread).
WorkerOutcome RunBroker(BrokerConfig config);

}  // namespace capsa::caps
