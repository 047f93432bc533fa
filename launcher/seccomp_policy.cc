#include "launcher/seccomp_policy.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <vector>

#if !defined(__x86_64__)
#error "the worker's seccomp policy (fstat emulation registers) is written for x86-64"
#endif

namespace capsa::launcher {
namespace {

struct FilterDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using FilterPtr = std::unique_ptr<void, FilterDeleter>;

Error SeccompError(const char* what, int rc) {
  return MakeError(ErrorCode::kInternal,
                   std::string("seccomp: ") + what + ": " + strerrordesc_np(-rc));
}

// One allowlist entry: syscall, action, and up to three argument conditions
// (all must hold). Entries for the same syscall are alternatives.
struct Rule {
  int nr;
  uint32_t action;
  unsigned count;
  scmp_arg_cmp args[3];
};

// Builds the table. Each entry says why the worker needs it; nothing here
// names a path, creates an fd, or reaches another process.
std::vector<Rule> WorkerRules(const WorkerSyscallSpec& s) {
  const auto sock = static_cast<scmp_datum_t>(s.socket_fd);
  const auto memfd = static_cast<scmp_datum_t>(s.memfd);
  const auto pid = static_cast<scmp_datum_t>(s.pid);
  const scmp_arg_cmp kNoExecProt = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
  const uint32_t kAllow = SCMP_ACT_ALLOW;
  return {
      // The broker channel (caps/channel.cc uses sendmsg/recvmsg; plain
      // read/write/sendto/recvfrom on the same socket add no authority).
      {SCMP_SYS(recvmsg), kAllow, 1, {SCMP_A0(SCMP_CMP_EQ, sock)}},
      {SCMP_SYS(sendmsg), kAllow, 1, {SCMP_A0(SCMP_CMP_EQ, sock)}},
      {SCMP_SYS(read), kAllow, 1, {SCMP_A0(SCMP_CMP_EQ, sock)}},
      {SCMP_SYS(write), kAllow, 1, {SCMP_A0(SCMP_CMP_EQ, sock)}},
      {SCMP_SYS(recvfrom), kAllow, 1, {SCMP_A0(SCMP_CMP_EQ, sock)}},
      {SCMP_SYS(sendto), kAllow, 1, {SCMP_A0(SCMP_CMP_EQ, sock)}},
      // Memory. malloc and the engine's reservations map anonymous memory;
      // linear memory maps the memfd MAP_SHARED. Never executable: the only
      // native code the worker runs is what was loaded before lockdown.
      {SCMP_SYS(mmap), kAllow, 2,
       {kNoExecProt, SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_ANONYMOUS, MAP_ANONYMOUS)}},
      {SCMP_SYS(mmap), kAllow, 2, {kNoExecProt, SCMP_A4(SCMP_CMP_EQ, memfd)}},
      // Committing reserved pages (anonymous linear memory, allocator).
      {SCMP_SYS(mprotect), kAllow, 1, {kNoExecProt}},
      // Freeing and resizing mappings (allocator, LinearMemory destructor).
      // These keep a mapping's protection, so they cannot add PROT_EXEC.
      {SCMP_SYS(munmap), kAllow, 0, {}},
      {SCMP_SYS(mremap), kAllow, 0, {}},
      {SCMP_SYS(madvise), kAllow, 0, {}},
      {SCMP_SYS(brk), kAllow, 0, {}},
      // memory.grow on the memfd-backed linear memory.
      {SCMP_SYS(ftruncate), kAllow, 1, {SCMP_A0(SCMP_CMP_EQ, memfd)}},
      // LinearMemory::Create checks the memfd is empty with fstat(), which
      // glibc issues as newfstatat(fd, "", buf, AT_EMPTY_PATH). newfstatat
      // takes a path, which a filter cannot inspect, so it traps to
      // HandleSigsys below; the handler checks the path is empty and issues
      // the path-less fstat, allowed on the memfd only. (Chromium's sandbox
      // does the same.)
      {SCMP_SYS(newfstatat), SCMP_ACT_TRAP, 2,
       {SCMP_A0(SCMP_CMP_EQ, memfd), SCMP_A3(SCMP_CMP_EQ, AT_EMPTY_PATH)}},
      {SCMP_SYS(fstat), kAllow, 1, {SCMP_A0(SCMP_CMP_EQ, memfd)}},
      // Returning from the SIGSYS handler above, and signal masking done by
      // glibc around abort() and in the handler's return path.
      {SCMP_SYS(rt_sigreturn), kAllow, 0, {}},
      {SCMP_SYS(rt_sigprocmask), kAllow, 0, {}},
      // libstdc++/glibc locks (uncontended in a single thread, but a waiter
      // must not be a violation).
      {SCMP_SYS(futex), kAllow, 0, {}},
      // A blocking call interrupted by SIGSTOP/SIGCONT (job control) resumes
      // through restart_syscall.
      {SCMP_SYS(restart_syscall), kAllow, 0, {}},
      // vDSO fallback on clocksources without a vDSO path (some VMs).
      {SCMP_SYS(clock_gettime), kAllow, 0, {}},
      // glibc's malloc tcache and libstdc++ hashing may seed from it.
      {SCMP_SYS(getrandom), kAllow, 0, {}},
      // abort() (a failed assertion in the engine) signals only the worker
      // itself with SIGABRT, so a bug is reported as a crash, not mistaken
      // for a sandbox violation.
      {SCMP_SYS(getpid), kAllow, 0, {}},
      {SCMP_SYS(gettid), kAllow, 0, {}},
      {SCMP_SYS(tgkill), kAllow, 2,
       {SCMP_A0(SCMP_CMP_EQ, pid), SCMP_A2(SCMP_CMP_EQ, static_cast<scmp_datum_t>(SIGABRT))}},
      // The end of the worker.
      {SCMP_SYS(exit), kAllow, 0, {}},
      {SCMP_SYS(exit_group), kAllow, 0, {}},
  };
}

Result<FilterPtr> BuildFilter(const WorkerSyscallSpec& spec) {
  if (spec.socket_fd < 0 || spec.memfd < 0 || spec.pid <= 0) {
    return MakeError(ErrorCode::kInternal, "seccomp: incomplete worker spec");
  }
  FilterPtr ctx(seccomp_init(SCMP_ACT_KILL_PROCESS));
  if (!ctx) return MakeError(ErrorCode::kInternal, "seccomp: seccomp_init failed");
  // Foreign-ABI calls (int 0x80, x32) are killed: the native arch is the
  // only one in the filter and SCMP_FLTATR_ACT_BADARCH defaults to kill.
  int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (rc != 0) return SeccompError("setting the bad-arch action", rc);
  for (const Rule& r : WorkerRules(spec)) {
    rc = seccomp_rule_add_array(ctx.get(), r.action, r.nr, r.count, r.args);
    if (rc != 0) {
      char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, r.nr);
      std::string what = std::string("adding the rule for ") + (name ? name : "?");
      free(name);
      return SeccompError(what.c_str(), rc);
    }
  }
  return ctx;
}

// The memfd the SIGSYS handler may fstat; set once before the filter loads.
volatile int g_fstat_memfd = -1;

// SIGSYS from SCMP_ACT_TRAP: only newfstatat(memfd, ..., AT_EMPTY_PATH)
// traps. An empty path is exactly fstat(memfd); anything else is an attempt
// to stat a path by name, which ends the worker like any other violation.
void HandleSigsys(int, siginfo_t* info, void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
  greg_t* regs = uc->uc_mcontext.gregs;
  const auto* path = reinterpret_cast<const char*>(regs[REG_RSI]);
  const bool is_fstat = info->si_syscall == SYS_newfstatat && path != nullptr &&
                        path[0] == '\0' && regs[REG_RDI] == g_fstat_memfd &&
                        regs[REG_R10] == AT_EMPTY_PATH;
  if (!is_fstat) {
    // A newfstatat the filter does not route here: killed with SIGSYS.
    syscall(SYS_newfstatat, -1, "", nullptr, 0);
    _exit(127);  // not reached
  }
  const int saved_errno = errno;
  long r = syscall(SYS_fstat, g_fstat_memfd, reinterpret_cast<void*>(regs[REG_RDX]));
  regs[REG_RAX] = r < 0 ? -errno : r;
  errno = saved_errno;
}

}  // namespace

Result<std::string> WorkerFilterPfc(const WorkerSyscallSpec& spec) {
  TRY_ASSIGN(FilterPtr ctx, BuildFilter(spec));
  // libseccomp 2.5 exports only to an fd.
  int fd = memfd_create("capsa-seccomp-pfc", MFD_CLOEXEC);
  if (fd < 0) return MakeError(ErrorCode::kIo, "memfd_create for the filter export failed");
  int rc = seccomp_export_pfc(ctx.get(), fd);
  std::string text;
  if (rc == 0) {
    char buf[4096];
    ssize_t n;
    lseek(fd, 0, SEEK_SET);
    while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  if (rc != 0) return SeccompError("exporting the filter", rc);
  return text;
}

Result<void> InstallWorkerFilter(const WorkerSyscallSpec& spec) {
  TRY_ASSIGN(FilterPtr ctx, BuildFilter(spec));
  g_fstat_memfd = spec.memfd;
  struct sigaction sa{};
  sa.sa_sigaction = HandleSigsys;
  sa.sa_flags = SA_SIGINFO;  // no SA_NODEFER: SIGSYS stays blocked in the handler
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGSYS, &sa, nullptr) != 0) {
    return MakeError(ErrorCode::kInternal, "seccomp: installing the SIGSYS handler failed");
  }
  int rc = seccomp_load(ctx.get());
  if (rc != 0) return SeccompError("loading the filter", rc);
  return {};
}

}  // namespace capsa::launcher
