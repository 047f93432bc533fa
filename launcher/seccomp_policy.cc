#include "launcher/seccomp_policy.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <vector>

#include "launcher/forensics.h"
#include "launcher/seccomp_filter.h"

#if !defined(__x86_64__)
#error "the worker's seccomp policy (fstat emulation registers) is written for x86-64"
#endif

namespace capsa::launcher {
namespace {

using FilterPtr = SeccompFilterPtr;

Error SeccompError(const std::string& what, int rc) {
  return launcher::SeccompError("worker", what, rc);
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
  const auto forensics = static_cast<scmp_datum_t>(s.forensics_fd);
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
      // The SIGSYS handler's violation report (forensics.h). Write-only,
      // non-blocking pipe to the launcher, which parses it as hostile.
      {SCMP_SYS(write), kAllow, 1, {SCMP_A0(SCMP_CMP_EQ, forensics)}},
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
      // takes a path, which a filter cannot inspect, so it is left to the
      // default action (trap); HandleSigsys checks the path is empty and
      // issues the path-less fstat, allowed on the memfd only. (Chromium's
      // sandbox does the same.)
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
  if (spec.socket_fd < 0 || spec.memfd < 0 || spec.forensics_fd < 0 || spec.pid <= 0) {
    return MakeError(ErrorCode::kInternal, "seccomp: incomplete worker spec");
  }
  // Everything not listed traps into HandleSigsys, which reports and dies.
  FilterPtr ctx(seccomp_init(SCMP_ACT_TRAP));
  if (!ctx) return MakeError(ErrorCode::kInternal, "seccomp: seccomp_init failed");
  // Foreign-ABI calls (int 0x80, x32) trap too: the native arch is the only
  // one in the filter, and the report names the i386 syscall.
  int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP);
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

// Set once before the filter loads; read by the handler.
volatile int g_fstat_memfd = -1;
volatile int g_forensics_fd = -1;

// A raw syscall without errno (async-signal-safe, no libc state).
long RawSyscall3(long nr, long a, long b, long c) {
  long ret;
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(nr), "D"(a), "S"(b), "d"(c)
               : "rcx", "r11", "memory");
  return ret;
}

// Reports the trapped call (forensics.h) and dies. Async-signal-safe: no
// allocation, no libc state; the code bytes are copied by the kernel
// (write(2) from the worker's own memory), so an unreadable page yields
// EFAULT instead of a fault inside the handler. The window is clamped to
// the page that holds the trapping instruction, which was just executed.
[[noreturn]] void ReportAndDie(const siginfo_t* info, const greg_t* regs) {
  ViolationReport r;
  r.arch = info->si_arch;
  r.nr = info->si_syscall;
  r.ip = static_cast<uint64_t>(regs[REG_RIP]);
  if (r.arch == AUDIT_ARCH_I386) {
    const int order[6] = {REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_RBP};
    for (int i = 0; i < 6; ++i) r.args[i] = static_cast<uint32_t>(regs[order[i]]);
  } else {
    const int order[6] = {REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8, REG_R9};
    for (int i = 0; i < 6; ++i) r.args[i] = static_cast<uint64_t>(regs[order[i]]);
  }
  const uint64_t page = (r.ip - 1) & ~uint64_t{4095};
  const uint64_t lo = r.ip - kCodeWindow / 2 < page ? page : r.ip - kCodeWindow / 2;
  const uint64_t hi = r.ip + kCodeWindow / 2 > page + 4096 ? page + 4096 : r.ip + kCodeWindow / 2;
  r.code_addr = lo;
  r.code_len = static_cast<uint32_t>(hi - lo);
  const int fd = g_forensics_fd;
  RawSyscall3(SYS_write, fd, reinterpret_cast<long>(&r), sizeof r);
  RawSyscall3(SYS_write, fd, static_cast<long>(lo), static_cast<long>(hi - lo));
  // SIGSYS is blocked while this handler runs, so this trapped call makes
  // the kernel reset SIGSYS to SIG_DFL and kill the worker with it.
  RawSyscall3(SYS_getppid, 0, 0, 0);
  RawSyscall3(SYS_exit_group, 128 + SIGSYS, 0, 0);  // not reached
  __builtin_unreachable();
}

// SIGSYS from SCMP_ACT_TRAP. The one trapped call that is not a violation:
// newfstatat(memfd, "", buf, AT_EMPTY_PATH), i.e. fstat(memfd) as glibc
// issues it, emulated with the path-less fstat. Anything else reports.
void HandleSigsys(int, siginfo_t* info, void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
  greg_t* regs = uc->uc_mcontext.gregs;
  const bool native = info->si_arch == AUDIT_ARCH_X86_64;
  const auto* path = reinterpret_cast<const char*>(regs[REG_RSI]);
  const bool is_fstat = native && info->si_syscall == SYS_newfstatat &&
                        regs[REG_RDI] == g_fstat_memfd && regs[REG_R10] == AT_EMPTY_PATH &&
                        path != nullptr && path[0] == '\0';
  if (!is_fstat) ReportAndDie(info, regs);
  regs[REG_RAX] = RawSyscall3(SYS_fstat, g_fstat_memfd, regs[REG_RDX], 0);
}

}  // namespace

Result<std::string> WorkerFilterPfc(const WorkerSyscallSpec& spec) {
  TRY_ASSIGN(FilterPtr ctx, BuildFilter(spec));
  return ExportFilterPfc(ctx.get());
}

Result<void> InstallWorkerFilter(const WorkerSyscallSpec& spec) {
  TRY_ASSIGN(FilterPtr ctx, BuildFilter(spec));
  g_fstat_memfd = spec.memfd;
  g_forensics_fd = spec.forensics_fd;
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
