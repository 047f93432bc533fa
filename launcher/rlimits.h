// Resource limits of the worker, set before seccomp so they also bound what
// a compromised worker could do with the syscalls it keeps.
#pragma once

#include <sys/resource.h>

#include <cstdint>
#include <optional>

#include "engine/base/result.h"

namespace capsa::launcher {

// The worker keeps fds 3 (socket), 4 (memfd) and 5 (forensics pipe); it can
// never get fd 6+.
inline constexpr rlim_t kWorkerMaxFds = 6;

// RLIMIT_CORE 0: a crashed worker leaves no core file holding guest memory.
// RLIMIT_NOFILE kWorkerMaxFds: no new descriptors even if one were offered
// (an SCM_RIGHTS message is refused by the client anyway).
// RLIMIT_FSIZE max_memory_bytes: the memfd is a file, so the kernel itself
// refuses (SIGXFSZ) to grow linear memory past --max-memory even if the
// engine's own check were bypassed; the broker's mapping stays bounded too.
// RLIMIT_CPU (only with --cpu-time S): soft S — the kernel sends SIGXCPU,
// reported as the cpu-time limit (exit 152) — and hard S+1 (SIGKILL, for a
// worker that blocks SIGXCPU).
// Soft = hard elsewhere, so the worker cannot raise them again.
Result<void> ApplyWorkerRlimits(uint64_t max_memory_bytes,
                                std::optional<uint64_t> cpu_seconds = std::nullopt);

}  // namespace capsa::launcher
