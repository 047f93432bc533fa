// The shipped worker payload: runs the guest module inside the locked-down
// worker. Everything untrusted — the module bytes, their decoding,
// validation, compilation and execution — happens here, after lockdown.
#pragma once

#include <string>

#include "engine/runtime.h"
#include "launcher/worker.h"

namespace capsa::launcher {

// Fetches the module from the broker, loads, links (WASI only), instantiates
// with linear memory on ctx.memfd, and invokes `_start`. Reports exactly one
// outcome to the broker and returns the worker exit status (worker.h):
//   returned normally      → ReportExit(0)
//   proc_exit(n)           → ReportExit(n)
//   other trap             → ReportTrap(DescribeTrap(trap))
//   module rejected        → ReportTrap("invalid module: ..."), kWorkerStatusModuleRejected
int RunGuest(const WorkerContext& ctx);

// The trap report the launcher prints: the first line is
//   "<message> in function <innermost name>" (just the message when the trap
// has no backtrace), then one "at <name>" line per frame, innermost first.
// Names come from the guest's name section, so control bytes in them are
// escaped (\xNN) and each is cut to kMaxReportedNameBytes; at most
// kMaxReportedFrames frames are listed, then "... N more frames". The whole
// report fits the protocol's text limit (caps::wire::kMaxTextBytes) and the
// outcome pipe's (kMaxOutcomeMessage). Pure.
inline constexpr size_t kMaxReportedFrames = 32;
inline constexpr size_t kMaxReportedNameBytes = 96;
std::string DescribeTrap(const engine::Trap& trap);

}  // namespace capsa::launcher
