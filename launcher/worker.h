// The worker process: lockdown, then a payload. The payload is a callback so
// that tests can run the real launcher/broker/worker machinery with a worker
// that misbehaves after lockdown (tests/launcher/violation_worker.cc); the
// shipped payload is RunGuest (guest_worker.h).
//
// Lockdown order (each step before the next can depend on it):
//   0. (WorkerMain, before lockdown) the control page (caps/control_page.h)
//      is mapped MAP_SHARED; its memfd is then closed in step 1 like any
//      other fd, so the locked-down worker holds no descriptor for it and
//      its filter needs no rule for it (it can neither map it again nor
//      resize it — the memfd is sealed anyway); and the heap is grown once
//      onto transparent huge pages (PlaceHeapOnHugePages);
//   1. fds: the socket moves to fd 3, the memfd to fd 4, the forensics
//      pipe's write end to fd 5; every other fd (stdio, preopens, the audit
//      log, the broker's socket end, the control page's memfd) is closed;
//   2. the launcher's environment strings are wiped from this address space
//      (the worker is forked, not exec'd, and must not be able to read the
//      user's environment — the guest gets only --env);
//   3. PR_SET_NO_NEW_PRIVS (needed by Landlock and unprivileged seccomp);
//   4. PR_SET_DUMPABLE 0: no core, no ptrace or /proc/PID/mem by same-uid
//      processes;
//   5. the parent-death signal (set by ForkChild) is checked to be SIGKILL;
//   6. rlimits (rlimits.h): no core, the memfd's size cap (RLIMIT_FSIZE =
//      max memory), few fds, RLIMIT_CPU with --cpu-time;
//   7. user, mount, network and IPC namespaces where allowed (optional,
//      namespaces.h), then 4 and 5 are re-asserted (a credential change
//      could reset them);
//   8. an empty Landlock ruleset where Landlock exists (landlock.h);
//   9. a refusal to run with READ_IMPLIES_EXEC (it would make every
//      PROT_READ mapping executable behind the filter's back);
//  10. the seccomp allowlist (seccomp_policy.h).
// Only then does the payload run, and only the payload touches the module.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "caps/control_page.h"
#include "policy/policy.h"

namespace capsa::launcher {

inline constexpr int kWorkerSocketFd = 3;
inline constexpr int kWorkerMemfd = 4;
inline constexpr int kWorkerForensicsFd = 5;

// The worker's exit status tells the launcher what its report (if any)
// means; the broker relays the report itself.
inline constexpr int kWorkerStatusReported = 0;        // an outcome was reported
inline constexpr int kWorkerStatusModuleRejected = 3;  // reported as "invalid module: ..."
inline constexpr int kWorkerStatusBrokerLost = 4;      // the broker stopped answering
inline constexpr int kWorkerStatusLockdownFailed = 5;  // never ran the payload

struct WorkerContext {
  int socket_fd = kWorkerSocketFd;
  int memfd = kWorkerMemfd;
  int forensics_fd = kWorkerForensicsFd;
  // The control page, mapped before lockdown (step 0), or nullptr when there
  // is none (the BrokerClient then uses the socket for everything).
  caps::ControlPage* control = nullptr;
  policy::Limits limits;
  // The module, inherited from the launcher through fork: no socket round
  // trip, and decoding overlaps the broker's own lockdown. Untrusted bytes,
  // touched only here, after lockdown (DESIGN.md, "Data path").
  std::span<const uint8_t> module;
};

// Runs after lockdown; returns the worker's exit status (above).
using WorkerPayload = std::function<int(const WorkerContext&)>;

enum class LockdownStage : uint8_t {
  kDone,
  kFds,
  kNoNewPrivs,
  kDumpable,
  kParentDeath,
  kRlimits,
  kNamespaces,  // optional: never fails, see LockdownReport
  kLandlock,
  kPersonality,
  kSeccomp,
};

// Linear memory's hard ceiling without --max-memory: 4 GiB, all of wasm32.
inline constexpr uint64_t kDefaultMaxMemoryBytes = 4ull << 30;

struct WorkerLockdownSpec {
  int socket_fd = -1;
  int memfd = -1;
  int forensics_fd = -1;
  uint64_t max_memory_bytes = kDefaultMaxMemoryBytes;
  std::optional<uint64_t> cpu_seconds;
  bool namespaces = true;  // try step 7
  // Tests: stop before this stage (kDone: run every stage).
  LockdownStage stop_before = LockdownStage::kDone;
};

struct LockdownReport {
  LockdownStage failed = LockdownStage::kDone;  // kDone: every stage held
  uint32_t namespaces = 0;                       // NamespaceBits that took effect
  bool landlock = false;                         // false: the kernel has none
};

// Steps 1–10 above on the calling (freshly forked, single-threaded) process.
// Not reversible.
LockdownReport LockDownWorker(const WorkerLockdownSpec& spec);

// Start-up speed, not safety: grows the heap once by a pad sized for a
// module of `module_bytes` (decode and translation allocate up to ~20 bytes
// per module byte; 24 plus 4 MiB, at most 1 GiB of address space) and marks
// the 2 MiB-aligned part MADV_HUGEPAGE, so that the allocations that follow
// land on huge pages. A fresh process on a VM with
// shadow paging pays ~10 µs for the first touch of each 4 KiB page; one huge
// page costs one fault. glibc's own switch (GLIBC_TUNABLES
// glibc.malloc.hugetlb=1) is read only at exec. Best effort: where THP is
// off, or the heap cannot grow, nothing changes but the speed.
void PlaceHeapOnHugePages(size_t module_bytes);

// The body of the forked worker: maps the control page (control_fd < 0:
// none), lockdown, then the payload. Returns the exit status for _exit.
int WorkerMain(int socket_fd, int memfd, int forensics_fd, int control_fd,
               const policy::Limits& limits, std::span<const uint8_t> module,
               const WorkerPayload& payload);

}  // namespace capsa::launcher
