// The one definition of both seccomp rule sets, as libseccomp filter
// contexts: the worker's allowlist (seccomp_policy.h) and the broker's
// denylist (broker_sandbox.h). Two users build from here: the generator
// capsa_seccomp_gen (seccomp_gen.cc), which exports them as BPF into the
// build tree once, at build time, and the PFC/BPF exports used by the golden
// and equivalence tests. Nothing on the install path calls these: it loads
// the precompiled programs (no libseccomp at start-up).
//
// Pure apart from allocation: building a context makes no system call that
// changes the process.
#pragma once

#include <sys/types.h>

#include "engine/base/result.h"
#include "launcher/seccomp_filter.h"

namespace capsa::launcher {

// The worker's filter is specialised to one worker: the socket and memfd
// numbers and the worker's pid are compared in argument filters, so the
// worker cannot read, write, map or truncate any other descriptor, nor signal
// anything but itself.
struct WorkerSyscallSpec {
  int socket_fd = -1;  // the broker socket: the only fd it may read and write
  int memfd = -1;      // linear memory: the only fd it may map, truncate, fstat
  int forensics_fd = -1;  // write end of the forensics pipe (O_NONBLOCK): write only
  pid_t pid = -1;      // the worker itself (abort(2) may signal only itself)
};

// The worker's allowlist; default and bad-arch action SCMP_ACT_TRAP.
// Errors: "seccomp: incomplete worker spec" for a negative fd or a pid <= 0.
Result<SeccompFilterPtr> BuildWorkerFilter(const WorkerSyscallSpec& spec);

// The broker's denylist; default action allow, bad arch kills.
Result<SeccompFilterPtr> BuildBrokerFilter();

}  // namespace capsa::launcher
