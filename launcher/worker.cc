#include "launcher/worker.h"

#include <malloc.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include "launcher/fds.h"
#include "launcher/landlock.h"
#include "launcher/namespaces.h"
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

bool NotDumpable() {
  return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 && prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0;
}

// ForkChild set SIGKILL; a credential change clears it, so re-set and
// re-check that the launcher is still there (else the signal was missed).
bool DiesWithParent(pid_t parent) {
  int sig = 0;
  if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) != 0) return false;
  if (sig != SIGKILL && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return false;
  return getppid() == parent;
}

}  // namespace

LockdownReport LockDownWorker(const WorkerLockdownSpec& spec) {
  LockdownReport report;
  auto stage = [&](LockdownStage s, bool ok) {
    if (!ok && report.failed == LockdownStage::kDone) report.failed = s;
    return ok;
  };
  auto stop = [&](LockdownStage s) { return spec.stop_before == s; };
  const pid_t parent = getppid();

  const int keep[] = {spec.socket_fd, spec.memfd, spec.forensics_fd};
  static_assert(kWorkerMemfd == kWorkerSocketFd + 1 && kWorkerForensicsFd == kWorkerMemfd + 1);
  if (!stage(LockdownStage::kFds, KeepOnlyFds(keep, 3, kWorkerSocketFd))) return report;
  WipeEnvironment();
  if (stop(LockdownStage::kNoNewPrivs)) return report;
  if (!stage(LockdownStage::kNoNewPrivs, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)) {
    return report;
  }
  if (stop(LockdownStage::kDumpable)) return report;
  if (!stage(LockdownStage::kDumpable, NotDumpable())) return report;
  if (!stage(LockdownStage::kParentDeath, DiesWithParent(parent))) return report;
  if (stop(LockdownStage::kRlimits)) return report;
  if (!stage(LockdownStage::kRlimits,
             ApplyWorkerRlimits(spec.max_memory_bytes, spec.cpu_seconds).ok())) {
    return report;
  }
  if (stop(LockdownStage::kNamespaces)) return report;
  if (spec.namespaces) {
    report.namespaces = EnterWorkerNamespaces();
    if (!stage(LockdownStage::kDumpable, NotDumpable())) return report;
    if (!stage(LockdownStage::kParentDeath, DiesWithParent(parent))) return report;
  }
  if (stop(LockdownStage::kLandlock)) return report;
  Result<LandlockResult> landlock = RestrictSelf({});
  if (!stage(LockdownStage::kLandlock, landlock.ok())) return report;
  report.landlock = landlock.value() == LandlockResult::kApplied;
  if (stop(LockdownStage::kPersonality)) return report;
  const int persona = personality(0xffffffff);
  if (!stage(LockdownStage::kPersonality, persona >= 0 && (persona & READ_IMPLIES_EXEC) == 0)) {
    return report;
  }
  if (stop(LockdownStage::kSeccomp)) return report;
  WorkerSyscallSpec filter{kWorkerSocketFd, kWorkerMemfd, kWorkerForensicsFd, getpid()};
  stage(LockdownStage::kSeccomp, InstallWorkerFilter(filter).ok());
  return report;
}

void PlaceHeapOnHugePages(size_t module_bytes) {
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  constexpr size_t kMaxPad = size_t{1} << 30;
  constexpr size_t kHeader = 2 * sizeof(size_t);  // a malloc chunk's header
  const size_t pad = std::min(kMaxPad, 24 * module_bytes + (size_t{4} << 20));
  // Every allocation comes from the heap, none from an mmap of its own
  // outside the huge span (the translator's code buffers are large); the
  // heap is never trimmed back (the worker lives for one run).
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, INT32_MAX);
  // Where malloc's top chunk (the free end of the heap) begins: a block
  // larger than all free memory together is cut from it (the heap grows,
  // by the pad on top), and freeing it merges it back. Address space only.
  const size_t probe_bytes = mallinfo2().fordblks + (size_t{64} << 10);
  mallopt(M_TOP_PAD, static_cast<int>(pad));
  void* probe = malloc(probe_bytes);
  mallopt(M_TOP_PAD, 128 << 10);  // glibc's default again for any later growth
  if (probe == nullptr) return;
  const uintptr_t top = reinterpret_cast<uintptr_t>(probe) - kHeader;
  free(probe);
  // The spacer is cut from the (now grown) top up to a huge-page boundary;
  // the new top's header lands just below the boundary, so no page of the
  // span is touched before the madvise (a span with one 4 KiB page already
  // in it can no longer get a huge page on fault). Address space only:
  // nothing writes into the spacer.
  const uintptr_t start = (top + probe_bytes + 4096 + kHuge - 1) & ~(kHuge - 1);
  void* spacer = malloc(start - top - 2 * kHeader);
  if (spacer == nullptr || reinterpret_cast<uintptr_t>(spacer) != top + kHeader) return;
  const uintptr_t end = reinterpret_cast<uintptr_t>(sbrk(0)) & ~(kHuge - 1);
  if (end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
}

int WorkerMain(int socket_fd, int memfd, int forensics_fd, int control_fd,
               const policy::Limits& limits, std::span<const uint8_t> module,
               const WorkerPayload& payload) {
  // Step 0: the broker maps the same page; a worker without it (mapping
  // failed) still works over the socket alone.
  caps::ControlMapping control;
  if (control_fd >= 0) {
    if (Result<caps::ControlMapping> mapped = caps::ControlMapping::Map(control_fd); mapped.ok()) {
      control = std::move(mapped).value();
    }
  }
  PlaceHeapOnHugePages(module.size());
  WorkerLockdownSpec spec;
  spec.socket_fd = socket_fd;
  spec.memfd = memfd;
  spec.forensics_fd = forensics_fd;
  spec.max_memory_bytes = limits.max_memory_bytes.value_or(kDefaultMaxMemoryBytes);
  spec.cpu_seconds = limits.cpu_time_seconds;
  if (LockDownWorker(spec).failed != LockdownStage::kDone) return kWorkerStatusLockdownFailed;
  WorkerContext ctx;
  ctx.control = control.page();
  ctx.limits = limits;
  ctx.module = module;
  return payload(ctx);
}

}  // namespace capsa::launcher
