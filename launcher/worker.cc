#include "launcher/worker.h"

#include <sys/personality.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstring>

#include "launcher/fds.h"
#include "launcher/rlimits.h"
#include "launcher/seccomp_policy.h"

extern char** environ;

namespace capsa::launcher {
namespace {

void WipeEnvironment() {
  if (environ == nullptr) return;
  for (char** e = environ; *e != nullptr; ++e) {
    explicit_bzero(*e, strlen(*e));
  }
  environ = nullptr;
}

}  // namespace

LockdownStage LockDownWorker(int socket_fd, int memfd, uint64_t max_memory_bytes) {
  const int keep[] = {socket_fd, memfd};
  static_assert(kWorkerMemfd == kWorkerSocketFd + 1);
  if (!KeepOnlyFds(keep, 2, kWorkerSocketFd)) return LockdownStage::kFds;
  WipeEnvironment();
  if (!ApplyWorkerRlimits(max_memory_bytes).ok()) return LockdownStage::kRlimits;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return LockdownStage::kNoNewPrivs;
  const int persona = personality(0xffffffff);
  if (persona < 0 || (persona & READ_IMPLIES_EXEC) != 0) return LockdownStage::kPersonality;
  WorkerSyscallSpec spec{kWorkerSocketFd, kWorkerMemfd, getpid()};
  if (!InstallWorkerFilter(spec).ok()) return LockdownStage::kSeccomp;
  return LockdownStage::kDone;
}

int WorkerMain(int socket_fd, int memfd, const policy::Limits& limits,
               const WorkerPayload& payload) {
  const uint64_t max_memory = limits.max_memory_bytes.value_or(kDefaultMaxMemoryBytes);
  if (LockDownWorker(socket_fd, memfd, max_memory) != LockdownStage::kDone) {
    return kWorkerStatusLockdownFailed;
  }
  WorkerContext ctx;
  ctx.limits = limits;
  return payload(ctx);
}

}  // namespace capsa::launcher
