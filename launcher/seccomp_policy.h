// The worker's seccomp allowlist. Default action (and the
// action for foreign ABIs such as int 0x80): SCMP_ACT_TRAP. The SIGSYS
// handler writes a forensics report (launcher/forensics.h) to the forensics
// fd and then dies by SIGSYS (a second trapped call while SIGSYS is blocked
// in the handler: the kernel resets it to SIG_DFL and kills — no re-entry). What is allowed is exactly what the engine, the
// guest-side WASI layer and caps::BrokerClient need to compute and to talk
// to the broker — see the table in seccomp_rules.cc, one reason per entry.
// That table is shared with the build-time generator (seccomp_gen.cc): what
// loads at start-up is its precompiled BPF with the worker's pid patched in,
// so no libseccomp call lies between fork and the guest.
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

#include "engine/base/result.h"
#include "launcher/seccomp_rules.h"

namespace capsa::launcher {

// The filter as libseccomp's pseudo-filter-code text, for review and the
// golden test (built with libseccomp, not precompiled). No side effects.
Result<std::string> WorkerFilterPfc(const WorkerSyscallSpec& spec);

// The program InstallWorkerFilter loads: the precompiled allowlist with
// spec.pid written into its patch sites. Errors: "seccomp: incomplete worker
// spec" (a negative fd, a pid <= 0); fds other than the ones it was compiled
// for (worker.h). No side effects.
Result<std::vector<sock_filter>> WorkerFilterProgram(const WorkerSyscallSpec& spec);

// Installs WorkerFilterProgram(spec) on the calling process
// (single-threaded). Requires PR_SET_NO_NEW_PRIVS to be set already (the
// caller does it explicitly so that it is visible and tested; the loader sets
// it again, as seccomp_load did). Also installs the SIGSYS handler that
// emulates fstat(memfd) — see seccomp_policy.cc. Irreversible.
Result<void> InstallWorkerFilter(const WorkerSyscallSpec& spec);

}  // namespace capsa::launcher
