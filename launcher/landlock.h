// Landlock (Linux ≥ 5.13): unprivileged, stackable file-system, TCP and
// signal restrictions. Defines its own copy of the UAPI constants because the
// installed linux/landlock.h may predate the ABI the running kernel offers;
// everything is chosen at run time from the ABI version the kernel reports.
//
//   worker: an empty ruleset handling every access right the ABI knows — no
//           file may be opened, executed, created; no TCP bind/connect (ABI 4);
//           no signals to or abstract sockets of processes outside (ABI 6).
//   broker: the same, plus one rule per preopened tree granting at most its
//           mode: ro → read file + read dir; rw → also write, truncate (ABI 3),
//           create, remove, rename across directories (refer, ABI 2).
// Neither may raise what a later ruleset restricts: restrictions only stack.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/base/result.h"
#include "policy/policy.h"

namespace capsa::launcher {

// The Landlock ABI version of the running kernel; 0 when Landlock is absent
// or disabled. No side effects.
int LandlockAbi();

struct LandlockHandled {
  uint64_t fs = 0;
  uint64_t net = 0;
  uint64_t scoped = 0;
};
// Every access right ABI `abi` can restrict. Pure.
LandlockHandled LandlockHandledFor(int abi);
// The file rights granted beneath a tree of `mode`, limited to `abi`. Pure.
uint64_t LandlockTreeAccess(policy::DirMode mode, int abi);

enum class LandlockResult : uint8_t {
  kApplied,      // this process (and its future children) are restricted
  kUnsupported,  // the kernel has no Landlock: the layer is missing, not an error
};

struct LandlockTree {
  int dir_fd = -1;  // an open directory fd (the preopen itself)
  policy::DirMode mode = policy::DirMode::kReadOnly;
};

// Restricts the calling process to `trees` (empty: no file access at all).
// Requires PR_SET_NO_NEW_PRIVS. Errors only when Landlock exists but refuses.
Result<LandlockResult> RestrictSelf(const std::vector<LandlockTree>& trees);

// "ABI 7 (fs, tcp, signal scope)" or "not available". Pure.
std::string DescribeLandlock(int abi);

}  // namespace capsa::launcher
