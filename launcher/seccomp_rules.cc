#include "launcher/seccomp_rules.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cstdlib>
#include <string>
#include <vector>

// libseccomp's SCMP_A0..SCMP_A5(op, datum) leave datum_b to zero
// initialisation (it matters only for SCMP_CMP_MASKED_EQ, where it is always
// given); clang's -Wmissing-field-initializers (the CAPSA_FUZZ build) flags
// every such use.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#if !defined(__x86_64__)
#error "the seccomp rule sets (and their precompiled BPF) are written for x86-64"
#endif

namespace capsa::launcher {
namespace {

Error WorkerError(const std::string& what, int rc) { return SeccompError("worker", what, rc); }
Error BrokerError(const std::string& what, int rc) { return SeccompError("broker", what, rc); }

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

// The broker's denylist: denied outright; see broker_sandbox.h for the classes.
constexpr const char* kDenied[] = {
    "execve", "execveat",                                         // no programs
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",  // no peeking
    "socket", "socketpair", "connect", "bind", "listen",          // no new sockets
    "fork", "vfork",                                              // no processes
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree",
    "fsopen", "fsmount", "fsconfig", "fspick", "mount_setattr",   // no namespaces/mounts
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "reboot", "swapon", "swapoff", "acct", "iopl", "ioperm",      // no kernel changes
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
    "io_uring_register",                                          // no filter bypasses
    "keyctl", "add_key", "request_key",                           // no keyrings
    "open_by_handle_at", "name_to_handle_at",                     // no handle opens
    "personality",                                                // no READ_IMPLIES_EXEC
};

}  // namespace

Result<SeccompFilterPtr> BuildWorkerFilter(const WorkerSyscallSpec& spec) {
  if (spec.socket_fd < 0 || spec.memfd < 0 || spec.forensics_fd < 0 || spec.pid <= 0) {
    return MakeError(ErrorCode::kInternal, "seccomp: incomplete worker spec");
  }
  // Everything not listed traps into HandleSigsys (seccomp_policy.cc), which
  // reports and dies.
  SeccompFilterPtr ctx(seccomp_init(SCMP_ACT_TRAP));
  if (!ctx) return MakeError(ErrorCode::kInternal, "seccomp: seccomp_init failed");
  // Foreign-ABI calls (int 0x80, x32) trap too: the native arch is the only
  // one in the filter, and the report names the i386 syscall.
  int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP);
  if (rc != 0) return WorkerError("setting the bad-arch action", rc);
  for (const Rule& r : WorkerRules(spec)) {
    rc = seccomp_rule_add_array(ctx.get(), r.action, r.nr, r.count, r.args);
    if (rc != 0) {
      char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, r.nr);
      std::string what = std::string("adding the rule for ") + (name ? name : "?");
      free(name);
      return WorkerError(what.c_str(), rc);
    }
  }
  return ctx;
}

Result<SeccompFilterPtr> BuildBrokerFilter() {
  SeccompFilterPtr ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) return MakeError(ErrorCode::kInternal, "broker seccomp: seccomp_init failed");
  // Foreign ABIs (int 0x80, x32) would dodge a denylist keyed on x86-64 numbers.
  int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (rc != 0) return BrokerError("setting the bad-arch action", rc);
  for (const char* name : kDenied) {
    const int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    rc = seccomp_rule_add(ctx.get(), SCMP_ACT_KILL_PROCESS, nr, 0);
    if (rc != 0) return BrokerError(std::string("denying ") + name, rc);
  }
  // New processes: clone without CLONE_THREAD. clone3 passes its flags in
  // memory a filter cannot read: ENOSYS makes glibc fall back to clone.
  rc = seccomp_rule_add(ctx.get(), SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
                        SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
  if (rc != 0) return BrokerError("clone", rc);
  rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  if (rc != 0) return BrokerError("clone3", rc);
  // Typing into the user's terminal through an inherited tty fd.
  for (unsigned long request : {static_cast<unsigned long>(TIOCSTI),
                                static_cast<unsigned long>(TIOCLINUX)}) {
    rc = seccomp_rule_add(ctx.get(), SCMP_ACT_KILL_PROCESS, SCMP_SYS(ioctl), 1,
                          SCMP_A1(SCMP_CMP_EQ, request));
    if (rc != 0) return BrokerError("ioctl", rc);
  }
  // No executable memory: the broker runs no generated code.
  for (int sys : {SCMP_SYS(mmap), SCMP_SYS(mprotect)}) {
    rc = seccomp_rule_add(ctx.get(), SCMP_ACT_KILL_PROCESS, sys, 1,
                          SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC));
    if (rc != 0) return BrokerError("PROT_EXEC", rc);
  }
  return ctx;
}

}  // namespace capsa::launcher
