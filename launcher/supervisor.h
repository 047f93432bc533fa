// Supervision: waits for the worker and the broker, enforces --timeout, and
// turns how they ended into capsa's exit status and one stderr line.
//
// When one child ends, the other gets kGracePeriod to follow before it is
// SIGKILLed: the broker must be allowed to drain acknowledged stream writes
// and report after the worker died (DESIGN.md invariant 5), but a broker or
// worker that hangs must not hang capsa.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "caps/broker.h"
#include "launcher/process.h"
#include "policy/events.h"

namespace capsa::launcher {

inline constexpr std::chrono::milliseconds kGracePeriod{2000};

struct RunEnds {
  ChildEnd worker;
  ChildEnd broker;
  bool timed_out = false;
};

// Blocks until both children have been reaped. `timeout` bounds the
// worker's lifetime from now.
RunEnds Supervise(const Child& worker, const Child& broker,
                  std::optional<std::chrono::milliseconds> timeout,
                  std::chrono::milliseconds grace = kGracePeriod);

struct Verdict {
  int exit_status = 0;
  policy::RunEnd end = policy::RunEnd::kExit;
  uint32_t guest_exit_code = 0;  // end == kExit
  std::string message;           // for stderr after "capsa: "; empty: print nothing
};

// Pure: combines the children's ends, the worker's exit status protocol
// (worker.h) and the broker's report into the verdict. Worker-supplied text
// (trap messages name guest functions) is escaped for the terminal.
Verdict Decide(const RunEnds& ends, const std::optional<caps::WorkerOutcome>& outcome,
               std::optional<std::chrono::milliseconds> timeout);

}  // namespace capsa::launcher
