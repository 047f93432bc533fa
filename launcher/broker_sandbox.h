// The broker's own sandbox, applied in the forked broker before it serves
// the worker (broker_process.cc). The broker must do real file I/O on the
// preopened trees, so its seccomp filter is a denylist with argument checks
// (default allow) rather than an allowlist: an allowlist would have to track
// every syscall glibc, spdlog and the path resolver may issue, and the
// authority that matters — which files — is bounded by Landlock instead.
//
//   1. PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE 0 (the parent-death signal is
//      set by ForkChild);
//   2. Landlock: only the preopened trees, each with at most its mode
//      (landlock.h); no TCP bind/connect; signals scoped (ABI 6);
//   3. seccomp denylist (seccomp_rules.cc), SCMP_ACT_KILL_PROCESS: no
//      program execution (execve, execveat), no debugging or reading other processes
//      (ptrace, process_vm_*, pidfd_getfd, kcmp), no new sockets (socket,
//      socketpair, connect, bind, listen — preopened listeners keep
//      accept4), no new processes (fork, vfork, clone without
//      CLONE_THREAD; clone3 answers ENOSYS so glibc falls back to clone),
//      no namespaces, mounts, modules, kexec, bpf, perf, userfaultfd,
//      io_uring (it would bypass this filter), keyrings, handle-based
//      opens, personality, and no ioctl(TIOCSTI/TIOCLINUX) that would type
//      into the user's terminal. The launcher reports a broker killed by
//      SIGSYS as "broker failed: killed by seccomp (SIGSYS)" (exit 162).
#pragma once

#include <linux/filter.h>

#include <span>
#include <string>
#include <vector>

#include "engine/base/result.h"
#include "launcher/landlock.h"

namespace capsa::launcher {

struct BrokerSandboxReport {
  bool landlock = false;  // false: the kernel has no Landlock
};

// Applies 1–3 to the calling process. Irreversible.
Result<BrokerSandboxReport> LockDownBroker(const std::vector<LandlockTree>& trees);

// The broker filter as libseccomp PFC text (golden test; built with
// libseccomp from seccomp_rules.cc, not precompiled). No side effects.
Result<std::string> BrokerFilterPfc();

// The program LockDownBroker loads: the denylist precompiled at build time
// (seccomp_gen.cc), so the broker runs no libseccomp at start-up. No side
// effects.
std::span<const sock_filter> BrokerFilterProgram();

}  // namespace capsa::launcher
