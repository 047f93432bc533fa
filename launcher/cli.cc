#include "launcher/cli.h"

#include <CLI/CLI.hpp>

#include <sstream>

#include "launcher/cmd_tools.h"
#include "launcher/tcp_listen.h"
#include "policy/flag_parse.h"

#ifndef CAPSA_VERSION
#error "CAPSA_VERSION must be defined by the build"
#endif

namespace capsa::launcher {
namespace {

constexpr const char* kRunUsageHint = "see 'capsa run --help'";

CliOutcome Fail(std::string text) {
  CliOutcome out;
  out.action = CliOutcome::Action::kError;
  out.text = std::move(text);
  return out;
}

struct RawRunFlags {
  std::vector<std::string> dirs;
  std::vector<std::string> tcp_listen;
  std::vector<std::string> envs;
  std::string audit_log;
  std::string policy_file;
  std::string max_memory;
  std::string fuel;
  std::string max_stack;
  std::string timeout;
  std::string cpu_time;
  std::string max_output;
  bool explain = false;
};

// Validates the raw flag strings into `request.policy` (policy/flag_parse.h).
Result<void> ApplyFlags(const RawRunFlags& raw, RunRequest& request) {
  for (const std::string& d : raw.dirs) TRY(policy::AddDirFlag(request.policy, d));
  for (const std::string& e : raw.envs) TRY(policy::AddEnvFlag(request.policy, e));
  policy::Limits& limits = request.policy.limits;
  if (!raw.max_memory.empty()) {
    TRY_ASSIGN(limits.max_memory_bytes, policy::ParseMemoryFlag(raw.max_memory));
  }
  if (!raw.fuel.empty()) {
    TRY_ASSIGN(limits.fuel, policy::ParseFuelFlag(raw.fuel));
  }
  if (!raw.max_stack.empty()) {
    TRY_ASSIGN(limits.max_call_depth, policy::ParseStackFlag(raw.max_stack));
  }
  if (!raw.timeout.empty()) {
    TRY_ASSIGN(limits.timeout, policy::ParseTimeoutFlag(raw.timeout));
  }
  if (!raw.cpu_time.empty()) {
    // RLIMIT_CPU counts whole seconds: round a fraction up, never down to 0.
    TRY_ASSIGN(std::chrono::milliseconds cpu, policy::ParseTimeoutFlag(raw.cpu_time));
    limits.cpu_time_seconds = static_cast<uint64_t>((cpu.count() + 999) / 1000);
    if (*limits.cpu_time_seconds == 0) limits.cpu_time_seconds = 1;
  }
  if (!raw.max_output.empty()) {
    TRY_ASSIGN(limits.max_output_bytes, policy::ParseMemoryFlag(raw.max_output));
  }
  request.explain = raw.explain;
  for (const std::string& t : raw.tcp_listen) TRY(ParseTcpListen(t));  // syntax now, bind later
  request.tcp_listen = raw.tcp_listen;
  request.audit_log_path = raw.audit_log;
  return {};
}

}  // namespace

CliOutcome ParseCommandLine(const std::vector<std::string>& argv) {
  if (argv.size() > 1 && IsToolCommand(argv[1])) return ParseToolCommandLine(argv);
  CLI::App app{"capsa: run untrusted WebAssembly (wasm32-wasi) with exactly the granted capabilities",
               "capsa"};
  app.set_version_flag("--version", "capsa " CAPSA_VERSION);
  app.require_subcommand(1);
  CLI::App* run = app.add_subcommand("run", "Run a WASI module in the sandbox");
  CLI::App* doctor =
      app.add_subcommand("doctor", "Print which sandbox layers this host supports and a run uses");
  // Listed for --help; parsed by ParseToolCommandLine (cmd_tools.h).
  app.add_subcommand("policy", "Show the effective policy (show) or validate a policy file (check)");
  app.add_subcommand("logs", "Summarize an audit log: denials by cause, grants never used");
  app.add_subcommand("suggest", "Print the minimal policy that allows what an audited run used");
  app.add_subcommand("audit", "List a module's imports, the capabilities it would get, over-grants");
  RawRunFlags raw;
  run->add_option("--policy", raw.policy_file,
                  "Read grants, env, args, stdio and limits from a TOML policy FILE; flags "
                  "override it (capsa-policy(5))")
      ->type_name("FILE");
  run->add_option("--dir", raw.dirs,
                  "Grant a host directory: HOST[::GUEST][::ro|rw] (guest path defaults to HOST, "
                  "mode to ro)")
      ->allow_extra_args(false)->type_name("HOST[::GUEST][::ro|rw]");
  run->add_option("--tcplisten", raw.tcp_listen,
                  "Listen on HOST:PORT; the guest gets the socket as a preopened fd after the "
                  "directories and may accept connections on it")
      ->allow_extra_args(false)->type_name("HOST:PORT");
  run->add_option("--env", raw.envs, "Set a guest environment variable")
      ->allow_extra_args(false)->type_name("K=V");
  run->add_option("--audit-log", raw.audit_log, "Append the run's events as JSON lines to FILE")
      ->type_name("FILE");
  run->add_option("--max-memory", raw.max_memory, "Cap linear memory (bytes, or with K/M/G)")
      ->type_name("N");
  run->add_option("--fuel", raw.fuel, "Trap once N units of fuel are spent (one per call and per loop iteration)")->type_name("N");
  run->add_option("--max-stack", raw.max_stack,
                  "Trap with \"call stack exhausted\" past N nested wasm calls (default 50000)")
      ->type_name("N");
  run->add_option("--timeout", raw.timeout,
                  "Kill the run after S seconds of wall-clock time (exit 124)")
      ->type_name("S");
  run->add_option("--cpu-time", raw.cpu_time,
                  "Kill the worker after S seconds of CPU time, rounded up (exit 152)")
      ->type_name("S");
  run->add_option("--max-output", raw.max_output,
                  "Cap stdout+stderr at N bytes (or with K/M/G); then writes fail with EFBIG "
                  "and the run ends (exit 153)")
      ->type_name("N");
  run->add_flag("--explain", raw.explain,
                "Print the sandbox layers and every grant on stderr, then run");
  // Stop at the first word that is not one of the options above: it is
  // MODULE, and everything after it belongs to the guest.
  run->prefix_command();
  run->footer("MODULE [ARGS...] follow the options; ARGS are passed to the guest verbatim.");

  std::vector<const char*> cargv;
  for (const std::string& a : argv) cargv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(cargv.size()), cargv.data());
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;
    const int code = app.exit(e, out, err);
    if (code == 0) {
      CliOutcome print;
      print.action = CliOutcome::Action::kPrint;
      print.text = out.str();
      return print;
    }
    return Fail(std::string(e.what()) + " (" + kRunUsageHint + ")");
  }

  if (doctor->parsed()) {
    CliOutcome result;
    result.action = CliOutcome::Action::kDoctor;
    return result;
  }
  std::vector<std::string> rest = run->remaining();
  if (rest.empty()) return Fail(std::string("missing MODULE (") + kRunUsageHint + ")");
  if (rest.front().size() > 1 && rest.front().front() == '-') {
    return Fail("unknown option " + rest.front() + " (" + kRunUsageHint + ")");
  }
  CliOutcome result;
  result.action = CliOutcome::Action::kRun;
  result.request.module_path = rest.front();
  result.request.policy.args = rest;  // argv[0] is the module path as given
  Result<void> applied = ApplyFlags(raw, result.request);
  if (!applied.ok()) return Fail(applied.error().message);
  if (!raw.policy_file.empty()) {
    Result<void> merged = ApplyPolicyFile(raw.policy_file, result.request);
    if (!merged.ok()) return Fail(merged.error().message);
  }
  return result;
}

}  // namespace capsa::launcher
