// The worker's seccomp allowlist (libseccomp). Default action (and the
// action for foreign ABIs such as int 0x80): SCMP_ACT_TRAP. The SIGSYS
// handler writes a forensics report (launcher/forensics.h) to the forensics
// fd and then dies by SIGSYS (a second trapped call while SIGSYS is blocked
// in the handler: the kernel resets it to SIG_DFL and kills — no re-entry). What is allowed is exactly what the engine, the
// guest-side WASI layer and caps::BrokerClient need to compute and to talk
// to the broker — see the table in seccomp_policy.cc, one reason per entry.
//
// The filter is specialised to one worker: the socket and memfd numbers and
// the worker's pid are compared in argument filters, so the worker cannot
// read, write, map or truncate any other descriptor, nor signal anything but
// itself.
#pragma once

#include <sys/types.h>

#include <string>

#include "engine/base/result.h"

namespace capsa::launcher {

struct WorkerSyscallSpec {
  int socket_fd = -1;  // the broker socket: the only fd it may read and write
  int memfd = -1;      // linear memory: the only fd it may map, truncate, fstat
  int forensics_fd = -1;  // write end of the forensics pipe (O_NONBLOCK): write only
  pid_t pid = -1;      // the worker itself (abort(2) may signal only itself)
};

// The filter as libseccomp's pseudo-filter-code text, for review and the
// golden test. No side effects.
Result<std::string> WorkerFilterPfc(const WorkerSyscallSpec& spec);

// Installs the filter on the calling process (single-threaded). Requires
// PR_SET_NO_NEW_PRIVS to be set already (the caller does it explicitly so
// that it is visible and tested). Also installs the SIGSYS handler that
// emulates fstat(memfd) — see seccomp_policy.cc. Irreversible.
Result<void> InstallWorkerFilter(const WorkerSyscallSpec& spec);

}  // namespace capsa::launcher
