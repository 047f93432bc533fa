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
#include "launcher/forensics.h"
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
  std::string message;  // for stderr, each line after "capsa: "; empty: print nothing
};

// What Decide needs besides the children's ends and the broker's report.
struct DecideContext {
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<uint64_t> cpu_time_seconds;
  std::optional<Violation> violation;  // the worker's forensics report, if any
};

// Pure: combines the children's ends, the worker's exit status protocol
// (worker.h), the broker's report and the forensics report into the
// verdict. Worker-supplied text (trap messages name guest functions) is
// escaped for the terminal. A violation's message has several lines
// (forensics.h); the first is the reason.
Verdict Decide(const RunEnds& ends, const std::optional<caps::WorkerOutcome>& outcome,
               const DecideContext& context);

}  // namespace capsa::launcher
