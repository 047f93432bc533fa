// Exit-status decisions (pure) and the broker → launcher outcome report.
#include "launcher/supervisor.h"

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>

#include "launcher/exit_codes.h"
#include "launcher/guest_worker.h"
#include "launcher/outcome_pipe.h"
#include "launcher/worker.h"

namespace capsa::launcher {
namespace {

using Kind = caps::WorkerOutcome::Kind;
using policy::RunEnd;

ChildEnd Exited(int code) { return {ChildEnd::Kind::kExited, code, false}; }
ChildEnd Signaled(int sig, bool by_launcher = false) {
  return {ChildEnd::Kind::kSignaled, sig, by_launcher};
}
caps::WorkerOutcome Outcome(Kind kind, uint32_t code = 0, std::string message = "") {
  caps::WorkerOutcome o;
  o.kind = kind;
  o.exit_code = code;
  o.message = std::move(message);
  return o;
}

struct Case {
  const char* name;
  RunEnds ends;
  std::optional<caps::WorkerOutcome> outcome;
  int status;
  RunEnd end;
  std::string message;
  std::optional<uint64_t> cpu_time_seconds = std::nullopt;
};

TEST(Decide, Table) {
  const RunEnds ok{Exited(0), Exited(0), false};
  const std::vector<Case> cases = {
      {"exit 0", ok, Outcome(Kind::kExit, 0), 0, RunEnd::kExit, ""},
      {"exit 7", ok, Outcome(Kind::kExit, 7), 7, RunEnd::kExit, ""},
      {"exit 125", ok, Outcome(Kind::kExit, 125), 125, RunEnd::kExit, ""},
      {"exit 126", ok, Outcome(Kind::kExit, 126), kExitGuestStatusOutOfRange, RunEnd::kExit,
       "guest exit status 126 is out of range"},
      {"exit 2^32-1", ok, Outcome(Kind::kExit, 4294967295u), 125, RunEnd::kExit,
       "guest exit status 4294967295 is out of range"},
      {"trap", ok, Outcome(Kind::kTrap, 0, "unreachable in function f"), kExitTrap, RunEnd::kTrap,
       "trap: unreachable in function f"},
      {"trap text escaped", ok, Outcome(Kind::kTrap, 0, "x\x1b[2J"), 134, RunEnd::kTrap,
       "trap: x\\x1b[2J"},
      {"trap backtrace indented", ok,
       Outcome(Kind::kTrap, 0, "unreachable in function f\nat f\nat g\ncapsa: forged\x1b"),
       kExitTrap, RunEnd::kTrap,
       "trap: unreachable in function f\n  at f\n  at g\n  capsa: forged\\x1b"},
      {"module rejected", {Exited(kWorkerStatusModuleRejected), Exited(0), false},
       Outcome(Kind::kTrap, 0, "invalid module: bad magic"), kExitModuleRejected,
       RunEnd::kModuleRejected, "invalid module: bad magic"},
      {"protocol", {Exited(0), Exited(0), false},
       Outcome(Kind::kProtocolViolation, 0, "short message"), kExitProtocolViolation,
       RunEnd::kProtocolViolation, "protocol violation: short message"},
      {"seccomp", {Signaled(SIGSYS), Exited(0), false}, Outcome(Kind::kDisconnected),
       kExitSandboxViolation, RunEnd::kSandboxViolation,
       "sandbox violation: worker killed by seccomp (SIGSYS), no report from the worker"},
      {"seccomp beats a claimed exit", {Signaled(SIGSYS), Exited(0), false},
       Outcome(Kind::kExit, 0), 159, RunEnd::kSandboxViolation,
       "sandbox violation: worker killed by seccomp (SIGSYS), no report from the worker"},
      {"seccomp with broker killed", {Signaled(SIGSYS), Signaled(SIGKILL, true), false},
       std::nullopt, 159, RunEnd::kSandboxViolation,
       "sandbox violation: worker killed by seccomp (SIGSYS), no report from the worker"},
      {"segv", {Signaled(SIGSEGV), Exited(0), false}, Outcome(Kind::kDisconnected),
       kExitWorkerCrash, RunEnd::kWorkerCrash, "worker crashed (signal 11)"},
      {"silent exit", {Exited(9), Exited(0), false}, Outcome(Kind::kDisconnected), 161,
       RunEnd::kWorkerCrash, "worker exited without reporting an outcome (status 9)"},
      {"lockdown failed", {Exited(kWorkerStatusLockdownFailed), Exited(0), false},
       Outcome(Kind::kDisconnected), kExitUsage, RunEnd::kWorkerCrash,
       "the worker could not lock down its sandbox"},
      {"broker crashed", {Exited(0), Signaled(SIGSEGV), false}, std::nullopt,
       kExitBrokerFailure, RunEnd::kBrokerFailure,
       "broker failed: killed by signal 11 (SEGV)"},
      {"broker no report", {Exited(0), Exited(0), false}, std::nullopt, 162,
       RunEnd::kBrokerFailure, "broker failed: no outcome reported"},
      {"broker exit 1", {Exited(0), Exited(1), false}, Outcome(Kind::kExit, 0), 162,
       RunEnd::kBrokerFailure, "broker failed: exited with status 1"},
      {"broker hung", {Exited(0), Signaled(SIGKILL, true), false}, std::nullopt, 162,
       RunEnd::kBrokerFailure, "broker failed: did not finish after the worker ended"},
      {"timeout", {Signaled(SIGKILL, true), Exited(0), true}, Outcome(Kind::kDisconnected),
       kExitTimeout, RunEnd::kTimeout, "timeout: the run exceeded 1500 ms"},
      {"cpu time", {Signaled(SIGXCPU), Exited(0), false}, Outcome(Kind::kDisconnected),
       kExitCpuTimeLimit, RunEnd::kCpuTimeLimit,
       "cpu time limit: the worker used more than 2 s of CPU time", 2},
      {"cpu time hard limit", {Signaled(SIGKILL), Exited(0), false},
       Outcome(Kind::kDisconnected), 152, RunEnd::kCpuTimeLimit,
       "cpu time limit: the worker used more than 2 s of CPU time", 2},
      {"sigxcpu without --cpu-time", {Signaled(SIGXCPU), Exited(0), false},
       Outcome(Kind::kDisconnected), kExitWorkerCrash, RunEnd::kWorkerCrash,
       "worker crashed (signal 24)"},
      {"output limit", {Exited(kWorkerStatusBrokerLost), Exited(0), false},
       Outcome(Kind::kOutputLimit, 0, "the guest wrote more than 10 bytes to stdout and stderr"),
       kExitOutputLimit, RunEnd::kOutputLimit,
       "output limit: the guest wrote more than 10 bytes to stdout and stderr"},
      {"broker seccomp", {Exited(kWorkerStatusBrokerLost), Signaled(SIGSYS), false},
       std::nullopt, kExitBrokerFailure, RunEnd::kBrokerFailure,
       "broker failed: killed by seccomp (SIGSYS): it attempted a forbidden system call"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    DecideContext context;
    context.timeout = std::chrono::milliseconds(1500);
    context.cpu_time_seconds = c.cpu_time_seconds;
    Verdict v = Decide(c.ends, c.outcome, context);
    EXPECT_EQ(v.exit_status, c.status);
    EXPECT_EQ(v.end, c.end);
    EXPECT_EQ(v.message, c.message);
  }
}

engine::Trap TrapWithBacktrace(std::vector<std::string> frames) {
  engine::Trap t;
  t.kind = engine::TrapKind::kUnreachable;
  t.message = "unreachable";
  t.backtrace = std::move(frames);
  return t;
}

TEST(DescribeTrap, ListsFramesInnermostFirst) {
  EXPECT_EQ(DescribeTrap(TrapWithBacktrace({})), "unreachable");
  EXPECT_EQ(DescribeTrap(TrapWithBacktrace({"c", "b", "a"})),
            "unreachable in function c\nat c\nat b\nat a");
}

TEST(DescribeTrap, EscapesNamesAndCountsTheEnginesOmittedFrames) {
  EXPECT_EQ(DescribeTrap(TrapWithBacktrace({"x\ny", "... 7 more frames"})),
            "unreachable in function x\\x0ay\nat x\\x0ay\n... 7 more frames");
}

TEST(DescribeTrap, StaysInsideTheOutcomeLimit) {
  std::vector<std::string> frames(200, std::string(500, 'n'));
  frames.push_back("... 1000 more frames");
  const std::string report = DescribeTrap(TrapWithBacktrace(frames));
  EXPECT_LE(report.size(), kMaxOutcomeMessage);
  EXPECT_LE(std::count(report.begin(), report.end(), '\n'), 1 + int{kMaxReportedFrames});
  EXPECT_NE(report.find(" more frames"), std::string::npos);
  const size_t shown = std::count(report.begin(), report.end(), '\n') - 1;
  EXPECT_NE(report.find("... " + std::to_string(200 - shown + 1000) + " more frames"),
            std::string::npos)
      << report;
}

TEST(Decide, ViolationWithReportNamesTheSyscall) {
  Violation v;
  v.report.nr = 41;  // socket
  v.report.ip = 0x1002;
  v.report.code_addr = 0x1000;
  v.code = {0x0f, 0x05, 0xc3};
  DecideContext context;
  context.violation = v;
  Verdict verdict = Decide({Signaled(SIGSYS), Exited(0), false}, std::nullopt, context);
  EXPECT_EQ(verdict.exit_status, kExitSandboxViolation);
  EXPECT_EQ(verdict.message.rfind("sandbox violation: worker called socket(0x0, ", 0), 0u)
      << verdict.message;
  EXPECT_NE(verdict.message.find("\n  > 0x1000: syscall"), std::string::npos) << verdict.message;
}

TEST(OutcomePipe, RoundTripsAndTruncates) {
  for (const caps::WorkerOutcome& o :
       {Outcome(Kind::kExit, 42), Outcome(Kind::kTrap, 0, "msg"),
        Outcome(Kind::kProtocolViolation, 0, std::string("a\0b", 3)),
        Outcome(Kind::kDisconnected), Outcome(Kind::kOutputLimit, 0, "x")}) {
    std::optional<caps::WorkerOutcome> back = DecodeOutcome(EncodeOutcome(o));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->kind, o.kind);
    EXPECT_EQ(back->exit_code, o.exit_code);
    EXPECT_EQ(back->message, o.message);
  }
  std::optional<caps::WorkerOutcome> big =
      DecodeOutcome(EncodeOutcome(Outcome(Kind::kTrap, 0, std::string(10000, 'x'))));
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(big->message.size(), kMaxOutcomeMessage);
}

TEST(OutcomePipe, RejectsGarbage) {
  std::string good = EncodeOutcome(Outcome(Kind::kTrap, 0, "abc"));
  EXPECT_FALSE(DecodeOutcome("").has_value());
  EXPECT_FALSE(DecodeOutcome(good.substr(0, good.size() - 1)).has_value());
  EXPECT_FALSE(DecodeOutcome(good + "x").has_value());
  std::string bad_kind = good;
  bad_kind[0] = 9;
  EXPECT_FALSE(DecodeOutcome(bad_kind).has_value());
}

TEST(OutcomePipe, ThroughARealPipe) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  ASSERT_TRUE(WriteOutcome(p[1], Outcome(Kind::kExit, 3)));
  close(p[1]);
  std::optional<caps::WorkerOutcome> o = ReadOutcome(p[0]);
  close(p[0]);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->exit_code, 3u);
}

}  // namespace
}  // namespace capsa::launcher
