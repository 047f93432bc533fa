// Namespaces for the worker (optional layer). The worker unshares a user,
// mount, network and IPC namespace right after fork; where the kernel or the
// distribution refuses (Ubuntu 24.04's AppArmor userns restriction,
// user.max_user_namespaces=0, ...), the run continues without them and
// `capsa doctor` / `capsa run --explain` say so.
//
// No PID namespace, by design: unshare(CLONE_NEWPID) only moves future
// children, which the worker cannot create (seccomp denies clone/fork), and
// moving the worker itself (clone(CLONE_NEWPID) in the launcher) would make
// it its namespace's init, which ignores default-action signals from itself
// (abort(3) would hang instead of crashing) and sees getppid() == 0 (breaks
// the parent-death race check). What a PID namespace would hide — other
// processes to signal or ptrace — is already denied by seccomp (no kill, no
// ptrace, tgkill only to itself) and Landlock's signal scope (ABI 6).
#pragma once

#include <cstdint>
#include <string>

namespace capsa::launcher {

enum NamespaceBits : uint32_t {
  kNsUser = 1u << 0,
  kNsMount = 1u << 1,
  kNsNet = 1u << 2,
  kNsIpc = 1u << 3,
};
inline constexpr uint32_t kWorkerNamespaces = kNsUser | kNsMount | kNsNet | kNsIpc;

// Unshares as many of the worker's namespaces as the kernel allows (all at
// once, else one by one with the user namespace first) and returns the bits
// that took effect. Single-threaded callers only. Never fails.
uint32_t EnterWorkerNamespaces();

// Forks a throw-away child that tries EnterWorkerNamespaces() and reports
// which bits it got. For `capsa doctor` and --explain.
uint32_t ProbeWorkerNamespaces();

// "user, mount, net, ipc" / "none". Pure.
std::string DescribeNamespaces(uint32_t bits);

}  // namespace capsa::launcher
