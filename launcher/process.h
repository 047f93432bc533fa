// Child processes of a run: fork with a death signal, pidfds for waiting,
// and the end status of a child. The launcher is single-threaded when it
// forks, so the child may allocate; it always leaves through _exit (never
// through exit(), which would run the launcher's atexit handlers and flush
// its stdio buffers a second time).
#pragma once

#include <sys/types.h>

#include <functional>

#include "caps/unique_fd.h"
#include "engine/base/result.h"

namespace capsa::launcher {

struct Child {
  pid_t pid = -1;
  caps::UniqueFd pidfd;  // pollable; readable once the child has exited
};

// Forks a child that runs `body` and _exits with its return value. The child
// gets PR_SET_PDEATHSIG(SIGKILL), so it never outlives the launcher (the
// race with an early launcher death is closed by re-checking getppid()).
// `name` (at most 15 bytes) becomes the child's comm: "capsa-broker", "capsa-worker".
Result<Child> ForkChild(const char* name, const std::function<int()>& body);

// How a child ended.
struct ChildEnd {
  enum class Kind : uint8_t { kRunning, kExited, kSignaled };
  Kind kind = Kind::kRunning;
  int code = 0;                     // exit status (kExited) or signal (kSignaled)
  bool killed_by_launcher = false;  // the launcher sent the SIGKILL
};

// Reaps `child` if it has exited; kRunning otherwise. Never blocks.
ChildEnd TryReap(const Child& child);

// SIGKILL through the pidfd (cannot hit a recycled pid).
void KillChild(const Child& child);

}  // namespace capsa::launcher
