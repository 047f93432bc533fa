// The real launcher/broker/worker processes, with scripted payloads: the
// worker's sandbox seen from outside (/proc), outcome → exit status through
// real pipes and signals, timeouts, and the violation binary.
#include "launcher/run.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <thread>

#include "launcher/exit_codes.h"
#include "launcher/supervisor.h"
#include "tests/launcher/subprocess.h"

namespace capsa::launcher {
namespace {

using Kind = caps::WorkerOutcome::Kind;
using testing::ProcessResult;
using testing::RunProcess;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "Seccomp:\t2" → {"Seccomp", "2"}.
std::map<std::string, std::string> ProcStatus(pid_t pid) {
  std::map<std::string, std::string> fields;
  std::istringstream in(ReadFile("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    size_t v = line.find_first_not_of(" \t", colon + 1);
    fields[line.substr(0, colon)] = v == std::string::npos ? "" : line.substr(v);
  }
  return fields;
}

// fd number → readlink target.
std::map<int, std::string> ProcFds(pid_t pid) {
  std::map<int, std::string> fds;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  for (int fd = 0; fd < 256; ++fd) {
    char target[512];
    ssize_t n = readlink((dir + "/" + std::to_string(fd)).c_str(), target, sizeof target);
    if (n > 0) fds[fd] = std::string(target, static_cast<size_t>(n));
  }
  return fds;
}

caps::WorkerOutcome Outcome(Kind kind, uint32_t code = 0, std::string message = "") {
  caps::WorkerOutcome o;
  o.kind = kind;
  o.exit_code = code;
  o.message = std::move(message);
  return o;
}

// A broker that waits for the worker to go away, then reports `outcome`.
BrokerServe BrokerReportingOnDisconnect(caps::WorkerOutcome outcome) {
  return [outcome](caps::BrokerConfig config) {
    char buf[256];
    while (recv(config.socket_fd, buf, sizeof buf, 0) > 0) {
    }
    return outcome;
  };
}

int BlockOnSocket(const WorkerContext& ctx) {
  char c;
  while (recv(ctx.socket_fd, &c, 1, 0) > 0) {
  }
  return kWorkerStatusBrokerLost;
}

// Runs with stderr captured.
struct Captured {
  int status;
  std::string err;
};
Captured RunCaptured(const RunRequest& request, const RunHooks& hooks) {
  int p[2];
  EXPECT_EQ(pipe2(p, O_CLOEXEC), 0);
  int status = Run(request, hooks, p[1]);
  close(p[1]);
  std::string err;
  char buf[4096];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof buf)) > 0) err.append(buf, static_cast<size_t>(n));
  close(p[0]);
  return {status, err};
}

RunRequest SelfRequest() {
  RunRequest r;
  r.module_path = "/proc/self/exe";  // any readable file; scripted payloads never load it
  r.policy.args = {"m"};
  return r;
}

class TempDir {
 public:
  TempDir() {
    char t[] = "/tmp/capsa_run_test_XXXXXX";
    path_ = mkdtemp(t);
  }
  ~TempDir() { std::system(("rm -rf " + path_).c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(RunProcesses, WorkerIsLockedDownAndHoldsOnlySocketAndMemfd) {
  TempDir dir;
  RunRequest request = SelfRequest();
  ASSERT_TRUE(policy::FindDirByGuestPath(request.policy, "/d") == nullptr);
  request.policy.dirs.push_back({dir.path(), "/d", policy::DirMode::kReadOnly});
  request.audit_log_path = dir.path() + "/audit.jsonl";

  RunHooks hooks;
  hooks.worker = BlockOnSocket;
  hooks.broker = BrokerReportingOnDisconnect(Outcome(Kind::kDisconnected));
  std::map<std::string, std::string> status;
  std::map<int, std::string> worker_fds, broker_fds;
  std::string worker_maps;
  pid_t broker_pid = 0;
  std::map<std::string, std::string> status_broker_copy;
  hooks.on_started = [&](pid_t worker, pid_t broker) {
    broker_pid = broker;
    (void)broker_pid;
    // Wait until both are inside their filters: the worker then blocks in
    // recv, the broker in its serve loop. They lock down in parallel (the
    // worker is forked first), so neither one's state says anything about
    // the other's.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    do {
      status = ProcStatus(worker);
      status_broker_copy = ProcStatus(broker);
      if (status["Seccomp"] == "2" && status_broker_copy["Seccomp"] == "2") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    } while (std::chrono::steady_clock::now() < deadline);
    worker_fds = ProcFds(worker);
    broker_fds = ProcFds(broker);
    std::ifstream maps("/proc/" + std::to_string(worker) + "/maps");
    worker_maps.assign(std::istreambuf_iterator<char>(maps), {});
    kill(worker, SIGKILL);
  };
  Captured r = RunCaptured(request, hooks);

  EXPECT_EQ(status["Seccomp"], "2");
  EXPECT_EQ(status["NoNewPrivs"], "1");
  EXPECT_EQ(status["Seccomp_filters"], "1");
  ASSERT_EQ(worker_fds.size(), 3u) << "worker fds: " << [&] {
    std::string s;
    for (auto& [fd, t] : worker_fds) s += std::to_string(fd) + "->" + t + " ";
    return s;
  }();
  EXPECT_EQ(worker_fds[kWorkerSocketFd].rfind("socket:[", 0), 0u) << worker_fds[3];
  EXPECT_EQ(worker_fds[kWorkerMemfd].rfind("/memfd:capsa-memory", 0), 0u) << worker_fds[4];
  EXPECT_EQ(worker_fds[kWorkerForensicsFd].rfind("pipe:[", 0), 0u) << worker_fds[5];
  // The control page is mapped before lockdown; its memfd is not among the
  // worker's fds (checked above: exactly three), so the worker can neither
  // map it again nor resize it.
  EXPECT_NE(worker_maps.find("/memfd:capsa-control"), std::string::npos) << worker_maps;
  // The broker is locked down too (its filter is a denylist: mode 2 as well).
  std::map<std::string, std::string>& broker_status = status_broker_copy;
  EXPECT_EQ(broker_status["Seccomp"], "2");
  EXPECT_EQ(broker_status["NoNewPrivs"], "1");
  // The broker holds what the worker does not: the preopen and the audit log.
  bool broker_has_dir = false, broker_has_log = false, broker_has_control = false;
  for (auto& [fd, target] : broker_fds) {
    broker_has_dir |= target == dir.path();
    broker_has_log |= target == request.audit_log_path;
    broker_has_control |= target.rfind("/memfd:capsa-control", 0) == 0;
  }
  EXPECT_TRUE(broker_has_dir);
  EXPECT_TRUE(broker_has_log);
  EXPECT_TRUE(broker_has_control);

  EXPECT_EQ(r.status, kExitWorkerCrash);
  EXPECT_EQ(r.err, "capsa: worker crashed (signal 9)\n");
}

TEST(RunProcesses, ViolationInProcessIsReportedAndLogged) {
  TempDir dir;
  RunRequest request = SelfRequest();
  request.audit_log_path = dir.path() + "/audit.jsonl";
  RunHooks hooks;
  hooks.worker = [](const WorkerContext&) { return open("/etc/passwd", O_RDONLY) >= 0 ? 80 : 81; };
  hooks.broker = BrokerReportingOnDisconnect(Outcome(Kind::kDisconnected));
  Captured r = RunCaptured(request, hooks);
  EXPECT_EQ(r.status, kExitSandboxViolation);
  EXPECT_EQ(r.err.rfind("capsa: sandbox violation: worker called openat(0xffffff9c, 0x", 0), 0u)
      << r.err;
  EXPECT_NE(r.err.find("\ncapsa:   > 0x"), std::string::npos) << r.err;
  std::string log = ReadFile(request.audit_log_path);
  ASSERT_FALSE(log.empty());
  auto last = nlohmann::json::parse(log.substr(log.rfind('\n', log.size() - 2) + 1));
  EXPECT_EQ(last["event"], "end");
  EXPECT_EQ(last["end"], "sandbox_violation");
  EXPECT_EQ(last["exit_status"], 159);
  EXPECT_EQ(last["message"].get<std::string>().rfind("sandbox violation: worker called openat(", 0),
            0u);
}

TEST(RunProcesses, BrokerDeathKillsTheWorker) {
  RunHooks hooks;
  hooks.worker = BlockOnSocket;
  hooks.broker = BrokerReportingOnDisconnect(Outcome(Kind::kDisconnected));
  hooks.on_started = [](pid_t, pid_t broker) { kill(broker, SIGKILL); };
  const auto start = std::chrono::steady_clock::now();
  Captured r = RunCaptured(SelfRequest(), hooks);  // returns only once both are reaped
  EXPECT_EQ(r.status, kExitBrokerFailure);
  EXPECT_EQ(r.err, "capsa: broker failed: killed by signal 9 (KILL)\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, kGracePeriod + std::chrono::seconds(1));
}

struct OutcomeCase {
  caps::WorkerOutcome outcome;
  int status;
  std::string err;
};

TEST(RunProcesses, BrokerOutcomesBecomeExitStatuses) {
  const std::vector<OutcomeCase> cases = {
      {Outcome(Kind::kExit, 0), 0, ""},
      {Outcome(Kind::kExit, 7), 7, ""},
      {Outcome(Kind::kExit, 300), kExitGuestStatusOutOfRange,
       "capsa: guest exit status 300 is out of range\n"},
      {Outcome(Kind::kTrap, 0, "integer divide by zero in function f"), kExitTrap,
       "capsa: trap: integer divide by zero in function f\n"},
      {Outcome(Kind::kProtocolViolation, 0, "bad op 99"), kExitProtocolViolation,
       "capsa: protocol violation: bad op 99\n"},
  };
  for (const OutcomeCase& c : cases) {
    SCOPED_TRACE(c.err);
    RunHooks hooks;
    hooks.worker = [](const WorkerContext& ctx) {
      return send(ctx.socket_fd, "x", 1, MSG_NOSIGNAL) == 1 ? kWorkerStatusReported : 90;
    };
    hooks.broker = BrokerReportingOnDisconnect(c.outcome);
    Captured r = RunCaptured(SelfRequest(), hooks);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.err, c.err);
  }
}

TEST(RunProcesses, TimeoutKillsTheWorker) {
  RunRequest request = SelfRequest();
  request.policy.limits.timeout = std::chrono::milliseconds(300);
  RunHooks hooks;
  hooks.worker = BlockOnSocket;
  hooks.broker = BrokerReportingOnDisconnect(Outcome(Kind::kDisconnected));
  const auto start = std::chrono::steady_clock::now();
  Captured r = RunCaptured(request, hooks);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, kExitTimeout);
  EXPECT_EQ(r.err, "capsa: timeout: the run exceeded 300 ms\n");
  EXPECT_GE(took, std::chrono::milliseconds(300));
  EXPECT_LT(took, std::chrono::seconds(2));
}

TEST(RunProcesses, BrokerCrashIsABrokerFailure) {
  RunHooks hooks;
  hooks.worker = BlockOnSocket;
  hooks.broker = [](caps::BrokerConfig) -> caps::WorkerOutcome { abort(); };
  Captured r = RunCaptured(SelfRequest(), hooks);
  EXPECT_EQ(r.status, kExitBrokerFailure);
  EXPECT_EQ(r.err, "capsa: broker failed: killed by signal 6 (ABRT)\n");
}

TEST(RunProcesses, HungBrokerIsKilledAfterTheGracePeriod) {
  RunHooks hooks;
  hooks.worker = [](const WorkerContext&) { return kWorkerStatusReported; };
  hooks.broker = [](caps::BrokerConfig) -> caps::WorkerOutcome {
    for (;;) pause();
  };
  const auto start = std::chrono::steady_clock::now();
  Captured r = RunCaptured(SelfRequest(), hooks);
  EXPECT_EQ(r.status, kExitBrokerFailure);
  EXPECT_EQ(r.err, "capsa: broker failed: did not finish after the worker ended\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, kGracePeriod + std::chrono::seconds(2));
}

TEST(RunProcesses, SetupErrorsAreUsageErrors) {
  RunHooks hooks;
  hooks.worker = BlockOnSocket;
  hooks.broker = BrokerReportingOnDisconnect(Outcome(Kind::kDisconnected));
  RunRequest missing_module = SelfRequest();
  missing_module.module_path = "/nonexistent/m.wasm";
  Captured r = RunCaptured(missing_module, hooks);
  EXPECT_EQ(r.status, kExitUsage);
  EXPECT_EQ(r.err, "capsa: cannot read module /nonexistent/m.wasm: No such file or directory\n");

  RunRequest missing_dir = SelfRequest();
  missing_dir.policy.dirs.push_back({"/nonexistent/dir", "/d", policy::DirMode::kReadOnly});
  r = RunCaptured(missing_dir, hooks);
  EXPECT_EQ(r.status, kExitUsage);
  EXPECT_EQ(r.err, "capsa: cannot open --dir /nonexistent/dir: No such file or directory\n");

  RunRequest file_as_dir = SelfRequest();
  file_as_dir.policy.dirs.push_back({"/etc/passwd", "/d", policy::DirMode::kReadOnly});
  r = RunCaptured(file_as_dir, hooks);
  EXPECT_EQ(r.status, kExitUsage);
  EXPECT_EQ(r.err, "capsa: cannot open --dir /etc/passwd: Not a directory\n");

  RunRequest dir_as_module = SelfRequest();
  dir_as_module.module_path = "/tmp";
  r = RunCaptured(dir_as_module, hooks);
  EXPECT_EQ(r.status, kExitUsage);
  EXPECT_EQ(r.err, "capsa: cannot read module /tmp: Is a directory\n");
}

// The separate binary: real caps::RunBroker, hostile worker after lockdown.
TEST(ViolationWorkerBinary, EveryEscapeAttemptIsReportedWithNameAndDisassembly) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"open-passwd", "openat"},   {"write-stdout", "write"},  {"write-memfd", "write"},
      {"stat-path", "newfstatat"}, {"fstatat-memfd", "newfstatat"}, {"mmap-exec", "mmap"},
      {"mprotect-exec", "mprotect"}, {"socket", "socket"},     {"connect", "connect"},
      {"execve", "execve"},        {"ptrace", "ptrace"},       {"fork", "clone"},
      {"kill-parent", "kill"},     {"ftruncate-sock", "ftruncate"},
  };
  for (const auto& [mode, syscall] : cases) {
    SCOPED_TRACE(mode);
    ProcessResult r = RunProcess({CAPSA_VIOLATION_WORKER, mode});
    EXPECT_EQ(r.signal, 0);
    EXPECT_EQ(r.exit_status, kExitSandboxViolation);
    const std::string head = std::string("capsa: sandbox violation: worker called ") + syscall + "(";
    EXPECT_EQ(r.err.rfind(head, 0), 0u) << r.err;
    EXPECT_NE(r.err.find(") at 0x"), std::string::npos) << r.err;
    // Capstone: the trapping instruction is marked and is a syscall.
    EXPECT_NE(r.err.find("\ncapsa:   > 0x"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(": syscall\n"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("capsa:   byte scan: syscall at 0x"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");  // nothing reached stdout: write(1) was stopped
  }
}

TEST(ViolationWorkerBinary, Controls) {
  ProcessResult exit42 = RunProcess({CAPSA_VIOLATION_WORKER, "report-exit"});
  EXPECT_EQ(exit42.exit_status, 42);
  EXPECT_EQ(exit42.err, "");
  ProcessResult fstat_ok = RunProcess({CAPSA_VIOLATION_WORKER, "fstat-memfd"});
  EXPECT_EQ(fstat_ok.exit_status, 0) << fstat_ok.err;
  ProcessResult abort_crash = RunProcess({CAPSA_VIOLATION_WORKER, "abort"});
  EXPECT_EQ(abort_crash.exit_status, kExitWorkerCrash);
  EXPECT_EQ(abort_crash.err, "capsa: worker crashed (signal 6)\n");
}

// The hook runs in the broker after LockDownBroker.
TEST(ViolationWorkerBinary, BrokerIsWalledInByLandlockAndSeccomp) {
  ProcessResult landlock = RunProcess({CAPSA_VIOLATION_WORKER, "broker-landlock"});
  EXPECT_EQ(landlock.exit_status, 42) << "80: opened /etc/passwd, 81: not EACCES, 82: cannot "
                                         "read its tree, 83: created in a ro tree, 84: by name\n"
                                      << landlock.err;
  for (const char* mode : {"broker-exec", "broker-socket"}) {
    SCOPED_TRACE(mode);
    ProcessResult r = RunProcess({CAPSA_VIOLATION_WORKER, mode});
    EXPECT_EQ(r.exit_status, kExitBrokerFailure);
    EXPECT_EQ(r.err,
              "capsa: broker failed: killed by seccomp (SIGSYS): it attempted a forbidden "
              "system call\n");
  }
}

bool Gone(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return true;
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

// kill -9 of the launcher mid-run: both children die (PDEATHSIG).
TEST(ViolationWorkerBinary, KillingTheLauncherLeavesNoOrphan) {
  int err[2];
  ASSERT_EQ(pipe2(err, O_CLOEXEC), 0);
  fflush(nullptr);
  pid_t launcher = fork();
  if (launcher == 0) {
    dup2(err[1], 2);
    execl(CAPSA_VIOLATION_WORKER, CAPSA_VIOLATION_WORKER, "hang", nullptr);
    _exit(127);
  }
  close(err[1]);
  std::string line;
  char c;
  while (read(err[0], &c, 1) == 1 && c != '\n') line += c;
  close(err[0]);
  int worker = 0, broker = 0;
  ASSERT_EQ(sscanf(line.c_str(), "pids %d %d", &worker, &broker), 2) << line;
  EXPECT_FALSE(Gone(worker));
  EXPECT_FALSE(Gone(broker));
  kill(launcher, SIGKILL);
  waitpid(launcher, nullptr, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((!Gone(worker) || !Gone(broker)) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(Gone(worker));
  EXPECT_TRUE(Gone(broker));
}

}  // namespace
}  // namespace capsa::launcher
