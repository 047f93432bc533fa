// Command-line parsing of the tool sub-commands (cmd_tools.h). The run flags
// they accept are parsed by the run command itself (ParseCommandLine), so
// they can never drift from `capsa run`.
#include "launcher/cmd_tools.h"

#include <cstdio>

namespace capsa::launcher {

int PolicyShow(const std::vector<std::string>& flags);
int PolicyCheck(const std::string& file);
int Logs(const std::string& file, bool json);
int Suggest(const std::string& file);
int Audit(const std::vector<std::string>& flags, const std::string& module);

namespace {

constexpr const char* kToolUsage =
    "Usage:\n"
    "  capsa policy show [--policy FILE] [run options]   print the effective policy as TOML\n"
    "  capsa policy check FILE                           validate a policy file\n"
    "  capsa logs FILE [--json]                          denials by cause, unused grants\n"
    "  capsa suggest FILE                                minimal policy from an audit log\n"
    "  capsa audit [--policy FILE] [run options] MODULE  imports, capabilities, over-grants\n"
    "Run options: see 'capsa run --help'. Manual: capsa(1), capsa-policy(5), "
    "capsa-audit-log(5).\n";

CliOutcome Tool(std::function<int()> fn) {
  CliOutcome out;
  out.action = CliOutcome::Action::kTool;
  out.tool = std::move(fn);
  return out;
}

CliOutcome Usage(const std::string& why) {
  CliOutcome out;
  out.action = CliOutcome::Action::kError;
  out.text = why + "\n" + kToolUsage;
  return out;
}

bool IsHelp(const std::string& a) { return a == "--help" || a == "-h"; }

// Run options that take no value (everything else takes one).
bool IsValuelessFlag(const std::string& a) {
  return a == "--explain" || a.find('=') != std::string::npos;
}

}  // namespace

bool IsToolCommand(std::string_view word) {
  return word == "policy" || word == "logs" || word == "suggest" || word == "audit";
}

CliOutcome ParseToolCommandLine(const std::vector<std::string>& argv) {
  const std::string& cmd = argv.at(1);
  std::vector<std::string> args(argv.begin() + 2, argv.end());
  for (const std::string& a : args) {
    if (IsHelp(a)) {
      CliOutcome print;
      print.action = CliOutcome::Action::kPrint;
      print.text = kToolUsage;
      return print;
    }
  }
  if (cmd == "policy") {
    if (args.empty()) return Usage("capsa policy: expected show or check");
    const std::string sub = args.front();
    args.erase(args.begin());
    if (sub == "show") return Tool([args] { return PolicyShow(args); });
    if (sub == "check") {
      if (args.size() != 1) return Usage("capsa policy check: expected exactly one FILE");
      return Tool([file = args[0]] { return PolicyCheck(file); });
    }
    return Usage("capsa policy: unknown sub-command " + sub + " (expected show or check)");
  }
  if (cmd == "logs" || cmd == "suggest") {
    bool json = false;
    std::vector<std::string> files;
    for (const std::string& a : args) {
      if (a == "--json" && cmd == "logs") {
        json = true;
      } else if (a.size() > 1 && a.front() == '-') {
        return Usage("capsa " + cmd + ": unknown option " + a);
      } else {
        files.push_back(a);
      }
    }
    if (files.size() != 1) return Usage("capsa " + cmd + ": expected exactly one audit log FILE");
    if (cmd == "logs") return Tool([file = files[0], json] { return Logs(file, json); });
    return Tool([file = files[0]] { return Suggest(file); });
  }
  // audit: run options anywhere, exactly one MODULE.
  std::vector<std::string> flags;
  std::vector<std::string> modules;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() > 1 && a.rfind("--", 0) == 0) {
      flags.push_back(a);
      if (!IsValuelessFlag(a) && i + 1 < args.size()) flags.push_back(args[++i]);
    } else {
      modules.push_back(a);
    }
  }
  if (modules.size() != 1) return Usage("capsa audit: expected exactly one MODULE");
  return Tool([flags, module = modules[0]] { return Audit(flags, module); });
}

}  // namespace capsa::launcher
