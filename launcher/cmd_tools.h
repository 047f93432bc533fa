// The sub-commands that read policies, audit logs and modules without running
// anything (thin front ends over policy/ and engine/):
//
//   capsa policy show [--policy FILE] [run flags]   effective policy as TOML
//   capsa policy check FILE                         validate (exit 0, or 2 + located error)
//   capsa logs FILE [--json]                        denials by cause, unused grants
//   capsa suggest FILE                              minimal policy from an audit log
//   capsa audit [--policy FILE] [run flags] MODULE  imports, capabilities, over-grants
//
// Each writes its report to stdout and errors to stderr as "capsa: ...".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/base/result.h"
#include "launcher/cli.h"

namespace capsa::launcher {

// "policy", "logs", "suggest", "audit".
bool IsToolCommand(std::string_view word);

// argv[0] is the program, argv[1] one of the words above. Returns kTool with
// `tool` set, kPrint for --help, or kError.
CliOutcome ParseToolCommandLine(const std::vector<std::string>& argv);

// `capsa run --policy FILE`: loads FILE and lets the flags already in
// `request.policy` override it (policy::OverlayFlags). request.policy.args
// must hold MODULE [ARGS...]; afterwards it holds MODULE + the effective ARGS.
Result<void> ApplyPolicyFile(const std::string& path, RunRequest& request);

}  // namespace capsa::launcher
