// The `capsa` command line (CLI11):
//
//   capsa run [--dir HOST[::GUEST][::ro|rw]]... [--env K=V]...
//             [--audit-log FILE] [--max-memory N] [--fuel N] [--max-stack N] [--timeout S]
//             [--cpu-time S] [--max-output N] [--explain]
//             MODULE [ARGS...]
//   capsa doctor
//   capsa --help | --version
//
// Options come before MODULE; everything after MODULE is the guest's argv,
// including words that look like options. Unknown options are errors (exit
// 2). The option values are documented in policy/flag_parse.h.
//
// CLI11 reports errors with exceptions; they are caught inside cli.cc and
// never cross this interface.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "launcher/run.h"

namespace capsa::launcher {

struct CliOutcome {
  enum class Action : uint8_t {
    kRun,    // `request` is complete
    kPrint,  // print `text` to stdout (help, version), exit 0
    kError,  // print `text` to stderr, exit kExitUsage
    kDoctor, // `capsa doctor`: probe and print the host's sandbox layers
    kTool,   // policy/logs/suggest/audit (cmd_tools.h): exit with tool()
  };
  Action action = Action::kError;
  RunRequest request;
  std::string text;
  std::function<int()> tool;  // kTool only
};

// argv[0] is the program name.
CliOutcome ParseCommandLine(const std::vector<std::string>& argv);

}  // namespace capsa::launcher
