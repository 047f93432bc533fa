// Resource limits of the worker, set before seccomp so they also bound what
// a compromised worker could do with the syscalls it keeps.
#pragma once

#include <sys/resource.h>

#include "engine/base/result.h"

namespace capsa::launcher {

// The worker keeps fds 3 (socket) and 4 (memfd); it can never get fd 5+.
inline constexpr rlim_t kWorkerMaxFds = 5;

// RLIMIT_CORE 0: a crashed worker leaves no core file holding guest memory.
// RLIMIT_NOFILE kWorkerMaxFds: no new descriptors even if one were offered
// (an SCM_RIGHTS message is refused by the client anyway).
// Both soft and hard, so the worker cannot raise them again.
Result<void> ApplyWorkerRlimits();

}  // namespace capsa::launcher
