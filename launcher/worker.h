// The worker process: lockdown, then a payload. The payload is a callback so
// that tests can run the real launcher/broker/worker machinery with a worker
// that misbehaves after lockdown (tests/launcher/violation_worker.cc); the
// shipped payload is RunGuest (guest_worker.h).
//
// Lockdown order (each step before the next can depend on it):
//   1. fds: the socket moves to fd 3, the memfd to fd 4, every other fd
//      (stdio, preopens, the audit log, the broker's socket end) is closed;
//   2. the launcher's environment strings are wiped from this address space
//      (the worker is forked, not exec'd, and must not be able to read the
//      user's environment — the guest gets only --env);
//   3. rlimits (rlimits.h), including the memfd's size cap;
//   4. PR_SET_NO_NEW_PRIVS, and a refusal to run with READ_IMPLIES_EXEC
//      (it would make every PROT_READ mapping executable behind the
//      filter's back);
//   5. the seccomp allowlist (seccomp_policy.h).
// Only then does the payload run, and only the payload touches the module.
#pragma once

#include <cstdint>
#include <functional>

#include "policy/policy.h"

namespace capsa::launcher {

inline constexpr int kWorkerSocketFd = 3;
inline constexpr int kWorkerMemfd = 4;

// The worker's exit status tells the launcher what its report (if any)
// means; the broker relays the report itself.
inline constexpr int kWorkerStatusReported = 0;        // an outcome was reported
inline constexpr int kWorkerStatusModuleRejected = 3;  // reported as "invalid module: ..."
inline constexpr int kWorkerStatusBrokerLost = 4;      // the broker stopped answering
inline constexpr int kWorkerStatusLockdownFailed = 5;  // never ran the payload

struct WorkerContext {
  int socket_fd = kWorkerSocketFd;
  int memfd = kWorkerMemfd;
  policy::Limits limits;
};

// Runs after lockdown; returns the worker's exit status (above).
using WorkerPayload = std::function<int(const WorkerContext&)>;

enum class LockdownStage : uint8_t {
  kDone,
  kFds,
  kRlimits,
  kNoNewPrivs,
  kPersonality,
  kSeccomp,
};

// Linear memory's hard ceiling without --max-memory: 4 GiB, all of wasm32.
inline constexpr uint64_t kDefaultMaxMemoryBytes = 4ull << 30;

// Steps 1–5 above on the calling (freshly forked, single-threaded) process.
// Returns the first stage that failed, or kDone. Not reversible.
LockdownStage LockDownWorker(int socket_fd, int memfd,
                             uint64_t max_memory_bytes = kDefaultMaxMemoryBytes);

// The body of the forked worker: lockdown, then the payload. Returns the
// exit status for _exit.
int WorkerMain(int socket_fd, int memfd, const policy::Limits& limits,
               const WorkerPayload& payload);

}  // namespace capsa::launcher
