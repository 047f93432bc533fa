#include "launcher/run.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "caps/control_page.h"
#include "caps/rights.h"
#include "launcher/exit_codes.h"
#include "launcher/fds.h"
#include "launcher/forensics.h"
#include "launcher/landlock.h"
#include "launcher/guest_worker.h"
#include "launcher/outcome_pipe.h"
#include "launcher/process.h"
#include "launcher/supervisor.h"
#include "launcher/tcp_listen.h"
#include "policy/audit_log.h"
#include "policy/denial_reporter.h"
#include "policy/rules.h"
#include "policy/wasi_rights.h"

namespace capsa::launcher {
namespace {

// One "capsa: " line per line of `message`.
void PrintLine(int fd, const std::string& message) {
  std::string line;
  size_t start = 0;
  while (start <= message.size()) {
    size_t nl = message.find('\n', start);
    if (nl == std::string::npos) nl = message.size();
    line += "capsa: " + message.substr(start, nl - start) + "\n";
    start = nl + 1;
  }
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// Everything a (non-blocking) pipe holds, up to 64 KiB.
std::string ReadAvailable(int fd) {
  std::string bytes;
  char buf[4096];
  while (bytes.size() < (64u << 10)) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  return bytes;
}

caps::DirRights RightsFor(const policy::DirGrant& grant) {
  switch (grant.mode) {
    case policy::DirMode::kReadWrite: return caps::DirRights::ReadWrite();
    case policy::DirMode::kRights: return caps::DirRights::Restricted(grant.rights);
    case policy::DirMode::kReadOnly: break;
  }
  return caps::DirRights::ReadOnly();
}

// The kernel-level (Landlock) mode of a grant: an explicit rights list that
// holds any write right needs the tree writable; the broker still enforces
// the exact list.
policy::DirMode KernelMode(const policy::DirGrant& grant) {
  if (grant.mode != policy::DirMode::kRights) return grant.mode;
  return (grant.rights & policy::rights::kWriteRights) != 0 ? policy::DirMode::kReadWrite
                                                            : policy::DirMode::kReadOnly;
}

// Component diagnostics (spdlog) go to stderr — spdlog's default logger
// writes to stdout, which is the guest's — and only errors by default: the
// user sees the launcher's one verdict line and the denial reporter;
// SPDLOG_LEVEL=debug (or warn, info) shows the rest. Inherited by both
// children through fork.
void ConfigureDiagnostics() {
  auto logger = std::make_shared<spdlog::logger>(
      "capsa", std::make_shared<spdlog::sinks::stderr_color_sink_st>());
  logger->set_pattern("capsa: %l: %v");
  spdlog::set_default_logger(std::move(logger));
  spdlog::set_level(spdlog::level::err);
  spdlog::cfg::load_env_levels();
}

// Everything a run holds before the children start.
struct Prepared {
  std::vector<UniqueFd> preopen_fds;
  std::vector<caps::Preopen> preopens;
  std::vector<uint8_t> module_bytes;
  UniqueFd memfd;
  UniqueFd control;                       // the shared control page (caps/control_page.h)
  std::pair<UniqueFd, UniqueFd> sockets;  // [0] broker, [1] worker
  std::pair<UniqueFd, UniqueFd> report;   // [0] launcher reads, [1] broker writes
  std::pair<UniqueFd, UniqueFd> forensics;  // [0] launcher reads, [1] worker writes
  std::vector<LandlockTree> trees;        // the broker's Landlock rules
};

Result<Prepared> Prepare(const RunRequest& request, policy::EventSink* events) {
  Prepared p;
  TRY_ASSIGN(p.module_bytes, ReadModuleFile(request.module_path));
  uint32_t guest_fd = 3;
  for (const policy::DirGrant& grant : request.policy.dirs) {
    TRY_ASSIGN(UniqueFd fd, OpenPreopenDir(grant.host_path));
    const caps::DirRights rights = RightsFor(grant);
    p.preopens.push_back(
        caps::Preopen::Directory(fd.get(), grant.guest_path, grant.host_path, rights));
    if (events != nullptr) {
      events->OnGrant({grant.guest_path, grant.host_path, policy::DirModeName(grant.mode),
                       guest_fd, rights.base(), rights.inheriting()});
    }
    ++guest_fd;
    p.trees.push_back({fd.get(), KernelMode(grant)});
    p.preopen_fds.push_back(std::move(fd));
  }
  for (const std::string& value : request.tcp_listen) {
    TRY_ASSIGN(TcpAddress address, ParseTcpListen(value));
    TRY_ASSIGN(UniqueFd fd, ListenTcp(address));
    const std::string host = "tcp:" + value;
    p.preopens.push_back(caps::Preopen::Socket(fd.get(), host));
    if (events != nullptr) {
      events->OnGrant({"", host, "socket", guest_fd, caps::kListenerSocketRights, 0});
    }
    ++guest_fd;
    p.preopen_fds.push_back(std::move(fd));
  }
  TRY_ASSIGN(p.memfd, CreateGuestMemfd());
  TRY_ASSIGN(p.control, caps::CreateControlMemfd());
  TRY_ASSIGN(p.sockets, CreateWorkerSocketPair());
  TRY_ASSIGN(p.report, CreatePipe());
  // Read only after both children are gone; never block on a stray writer.
  fcntl(p.report.first.get(), F_SETFL, O_NONBLOCK);
  // Both ends non-blocking: the launcher reads after the worker is gone, and
  // a worker that filled the pipe with junk cannot block its SIGSYS handler.
  TRY_ASSIGN(p.forensics, CreatePipe());
  fcntl(p.forensics.first.get(), F_SETFL, O_NONBLOCK);
  fcntl(p.forensics.second.get(), F_SETFL, O_NONBLOCK);
  return p;
}

}  // namespace

RunHooks ProductionHooks() {
  RunHooks hooks;
  hooks.worker = RunGuest;
  hooks.broker = caps::RunBroker;
  return hooks;
}

int Run(const RunRequest& request, const RunHooks& hooks, int stderr_fd) {
  ConfigureDiagnostics();
  std::unique_ptr<policy::AuditLog> audit;
  if (!request.audit_log_path.empty()) {
    Result<std::string> run_id = policy::NewRunId();
    if (!run_id.ok()) {
      PrintLine(stderr_fd, run_id.error().message);
      return kExitUsage;
    }
    auto opened = policy::AuditLog::Open(request.audit_log_path, run_id.value());
    if (!opened.ok()) {
      PrintLine(stderr_fd, opened.error().message);
      return kExitUsage;
    }
    audit = std::move(opened).value();
  }
  const auto started = std::chrono::steady_clock::now();
  // Names the rule behind every event (audit "rule" field, stderr hints).
  const policy::RuleBook rules(request.policy);
  if (audit) audit->set_rules(&rules);
  policy::StderrDenialReporter reporter(stderr_fd, &rules);
  policy::FanOutSink events({audit.get(), &reporter});

  Result<Prepared> prepared = Prepare(request, audit.get());
  if (!prepared.ok()) {
    PrintLine(stderr_fd, prepared.error().message);
    return kExitUsage;
  }
  Prepared& p = prepared.value();
  if (audit) audit->OnDenyRules(request.policy.denies);

  caps::BrokerConfig config;
  config.socket_fd = p.sockets.first.get();
  config.memfd = p.memfd.get();
  config.control_fd = p.control.get();
  config.preopens = p.preopens;
  config.args = request.policy.args;
  config.env = policy::EffectiveEnv(request.policy, [](const char* name) -> const char* {
    return std::getenv(name);
  });
  config.denies = request.policy.denies;
  // [stdio] "null": the broker duplicates these before the launcher closes them.
  UniqueFd dev_null(open("/dev/null", O_RDWR | O_CLOEXEC));
  const policy::Stdio& stdio = request.policy.stdio;
  if (stdio.in == policy::StdioMode::kNull) config.stdin_fd = dev_null.get();
  if (stdio.out == policy::StdioMode::kNull) config.stdout_fd = dev_null.get();
  if (stdio.err == policy::StdioMode::kNull) config.stderr_fd = dev_null.get();
  config.events = &events;
  config.max_output_bytes = request.policy.limits.max_output_bytes.value_or(0);

  // The worker first: its path to the first guest instruction (lockdown,
  // decode, translate) is the longer one, and it overlaps the broker's.
  Result<Child> worker = ForkChild("capsa-worker", [&]() {
    return WorkerMain(p.sockets.second.get(), p.memfd.get(), p.forensics.second.get(),
                      p.control.get(), request.policy.limits, p.module_bytes, hooks.worker);
  });
  if (!worker.ok()) {
    PrintLine(stderr_fd, worker.error().message);
    return kExitUsage;
  }
  Result<Child> broker = ForkChild("capsa-broker", [&]() {
    p.sockets.second.Reset();
    p.report.first.Reset();
    p.forensics.first.Reset();
    p.forensics.second.Reset();
    return BrokerMain(std::move(config), p.trees, p.report.second.get(), hooks.broker);
  });
  if (!broker.ok()) {
    KillChild(worker.value());
    TryReap(worker.value());
    PrintLine(stderr_fd, broker.error().message);
    return kExitUsage;
  }
  // The children hold their own copies; the launcher keeps only the report's
  // read end, so the broker sees EOF when the worker dies and vice versa.
  p.sockets.first.Reset();
  p.sockets.second.Reset();
  p.memfd.Reset();
  p.control.Reset();
  p.report.second.Reset();
  p.forensics.second.Reset();
  p.preopen_fds.clear();
  std::vector<uint8_t>().swap(p.module_bytes);  // the worker has its own copy

  if (hooks.on_started) hooks.on_started(worker->pid, broker->pid);
  const RunEnds ends = Supervise(worker.value(), broker.value(), request.policy.limits.timeout);
  const std::optional<caps::WorkerOutcome> outcome = ReadOutcome(p.report.first.get());
  DecideContext context;
  context.timeout = request.policy.limits.timeout;
  context.cpu_time_seconds = request.policy.limits.cpu_time_seconds;
  context.violation = ParseViolation(ReadAvailable(p.forensics.first.get()));
  const Verdict verdict = Decide(ends, outcome, context);

  if (!verdict.message.empty()) PrintLine(stderr_fd, verdict.message);
  if (audit) {
    if (verdict.end == policy::RunEnd::kSandboxViolation) audit->OnSandboxViolation(verdict.message);
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    audit->OnEnd({verdict.end, verdict.exit_status, verdict.guest_exit_code, verdict.message,
                  static_cast<uint64_t>(elapsed.count())});
    if (!audit->ok()) PrintLine(stderr_fd, "the audit log is incomplete (a write failed)");
  }
  return verdict.exit_status;
}

}  // namespace capsa::launcher
