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
//   other trap             → ReportTrap("<message> in function <innermost>")
//   module rejected        → ReportTrap("invalid module: ..."), kWorkerStatusModuleRejected
int RunGuest(const WorkerContext& ctx);

// "<message> in function <innermost name>", or just the message when the
// trap has no backtrace. Pure.
std::string DescribeTrap(const engine::Trap& trap);

}  // namespace capsa::launcher
