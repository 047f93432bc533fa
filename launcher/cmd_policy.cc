// capsa run --policy, capsa policy show, capsa policy check.
#include <cstdio>

#include "launcher/cmd_tools.h"
#include "launcher/exit_codes.h"
#include "launcher/tcp_listen.h"
#include "policy/policy_file.h"

namespace capsa::launcher {

Result<void> ApplyPolicyFile(const std::string& path, RunRequest& request) {
  TRY_ASSIGN(policy::Policy file, policy::LoadPolicyFile(path));
  policy::Policy flags = request.policy;
  const std::string module_arg = flags.args.empty() ? request.module_path : flags.args.front();
  if (!flags.args.empty()) flags.args.erase(flags.args.begin());
  flags.audit_log = request.audit_log_path;
  flags.tcp_listen = request.tcp_listen;
  policy::Policy merged = policy::OverlayFlags(std::move(file), flags);
  merged.args.insert(merged.args.begin(), module_arg);
  request.audit_log_path = merged.audit_log;
  request.tcp_listen = merged.tcp_listen;
  for (const std::string& t : request.tcp_listen) TRY(ParseTcpListen(t));
  request.policy = std::move(merged);
  return {};
}

int PolicyShow(const std::vector<std::string>& flags) {
  // The run flags are parsed by the run command itself, with a placeholder
  // MODULE, so `policy show` can never drift from `run`.
  std::vector<std::string> argv = {"capsa", "run"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back("-");
  CliOutcome parsed = ParseCommandLine(argv);
  if (parsed.action == CliOutcome::Action::kError) {
    std::fprintf(stderr, "capsa: %s\n", parsed.text.c_str());
    return kExitUsage;
  }
  if (parsed.action != CliOutcome::Action::kRun) {
    std::fprintf(stderr, "capsa: policy show takes [--policy FILE] and run flags only\n");
    return kExitUsage;
  }
  policy::Policy effective = parsed.request.policy;
  effective.args.erase(effective.args.begin());  // the placeholder MODULE
  effective.audit_log = parsed.request.audit_log_path;
  effective.tcp_listen = parsed.request.tcp_listen;
  std::fputs(policy::FormatPolicyToml(effective).c_str(), stdout);
  return 0;
}

int PolicyCheck(const std::string& file) {
  Result<policy::Policy> p = policy::LoadPolicyFile(file);
  if (!p.ok()) {
    std::fprintf(stderr, "%s\n", p.error().message.c_str());
    return kExitUsage;
  }
  std::printf("%s: ok (%zu dirs, %zu deny rules)\n", file.c_str(), p.value().dirs.size(),
              p.value().denies.size());
  return 0;
}

}  // namespace capsa::launcher
