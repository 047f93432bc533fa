#include "launcher/broker_sandbox.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "launcher/seccomp_filter.h"

namespace capsa::launcher {
namespace {

using FilterPtr = SeccompFilterPtr;

Error SeccompError(const std::string& what, int rc) {
  return launcher::SeccompError("broker", what, rc);
}

// Denied outright; see broker_sandbox.h for the classes.
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

Result<FilterPtr> BuildBrokerFilter() {
  FilterPtr ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) return MakeError(ErrorCode::kInternal, "broker seccomp: seccomp_init failed");
  // Foreign ABIs (int 0x80, x32) would dodge a denylist keyed on x86-64 numbers.
  int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (rc != 0) return SeccompError("setting the bad-arch action", rc);
  for (const char* name : kDenied) {
    const int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    rc = seccomp_rule_add(ctx.get(), SCMP_ACT_KILL_PROCESS, nr, 0);
    if (rc != 0) return SeccompError(std::string("denying ") + name, rc);
  }
  // New processes: clone without CLONE_THREAD. clone3 passes its flags in
  // memory a filter cannot read: ENOSYS makes glibc fall back to clone.
  rc = seccomp_rule_add(ctx.get(), SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
                        SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
  if (rc != 0) return SeccompError("clone", rc);
  rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  if (rc != 0) return SeccompError("clone3", rc);
  // Typing into the user's terminal through an inherited tty fd.
  for (unsigned long request : {static_cast<unsigned long>(TIOCSTI),
                                static_cast<unsigned long>(TIOCLINUX)}) {
    rc = seccomp_rule_add(ctx.get(), SCMP_ACT_KILL_PROCESS, SCMP_SYS(ioctl), 1,
                          SCMP_A1(SCMP_CMP_EQ, request));
    if (rc != 0) return SeccompError("ioctl", rc);
  }
  // No executable memory: the broker runs no generated code.
  for (int sys : {SCMP_SYS(mmap), SCMP_SYS(mprotect)}) {
    rc = seccomp_rule_add(ctx.get(), SCMP_ACT_KILL_PROCESS, sys, 1,
                          SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC));
    if (rc != 0) return SeccompError("PROT_EXEC", rc);
  }
  return ctx;
}

}  // namespace

Result<std::string> BrokerFilterPfc() {
  TRY_ASSIGN(FilterPtr ctx, BuildBrokerFilter());
  return ExportFilterPfc(ctx.get());
}

Result<BrokerSandboxReport> LockDownBroker(const std::vector<LandlockTree>& trees) {
  BrokerSandboxReport report;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return MakeError(ErrorCode::kInternal, std::string("broker prctl: ") + strerrordesc_np(errno));
  }
  TRY_ASSIGN(LandlockResult landlock, RestrictSelf(trees));
  report.landlock = landlock == LandlockResult::kApplied;
  TRY_ASSIGN(FilterPtr ctx, BuildBrokerFilter());
  const int rc = seccomp_load(ctx.get());
  if (rc != 0) return SeccompError("loading the filter", rc);
  return report;
}

}  // namespace capsa::launcher
