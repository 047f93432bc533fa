#include "launcher/supervisor.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <cstring>

#include "launcher/exit_codes.h"
#include "launcher/worker.h"

namespace capsa::launcher {
namespace {

using Clock = std::chrono::steady_clock;
using Kind = caps::WorkerOutcome::Kind;
using policy::RunEnd;

// One child's deadline and state inside the supervision loop.
struct Watched {
  const Child* child;
  ChildEnd end;
  std::optional<Clock::time_point> deadline;
  bool deadline_is_timeout = false;
  bool killed = false;
  bool done() const { return end.kind != ChildEnd::Kind::kRunning; }
};

void SetDeadline(Watched& w, Clock::time_point at, bool is_timeout) {
  if (w.deadline && *w.deadline <= at) return;
  w.deadline = at;
  w.deadline_is_timeout = is_timeout;
}

// Escapes control bytes in worker-supplied text before it reaches a terminal.
std::string Printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// A worker trap report (guest_worker.h DescribeTrap): the first line as is,
// each further line (a backtrace frame) indented, so a line a hostile worker
// might forge can never pass for one of the launcher's own "capsa: " lines.
std::string RenderTrapReport(const std::string& report) {
  std::string out;
  size_t start = 0;
  for (bool first = true;; first = false) {
    const size_t end = report.find('\n', start);
    if (!first) out += "\n  ";
    out += Printable(report.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

Verdict Make(int status, RunEnd end, std::string message) {
  Verdict v;
  v.exit_status = status;
  v.end = end;
  v.message = std::move(message);
  return v;
}

std::string DescribeEnd(const ChildEnd& e) {
  if (e.kind == ChildEnd::Kind::kSignaled) {
    return "killed by signal " + std::to_string(e.code) + " (" + sigabbrev_np(e.code) + ")";
  }
  return "exited with status " + std::to_string(e.code);
}

}  // namespace

RunEnds Supervise(const Child& worker, const Child& broker,
                  std::optional<std::chrono::milliseconds> timeout,
                  std::chrono::milliseconds grace) {
  RunEnds ends;
  Watched w{&worker, {}, {}, false, false};
  Watched b{&broker, {}, {}, false, false};
  if (timeout) SetDeadline(w, Clock::now() + *timeout, /*is_timeout=*/true);

  while (!w.done() || !b.done()) {
    pollfd fds[2];
    nfds_t n = 0;
    std::optional<Clock::time_point> next;
    for (Watched* x : {&w, &b}) {
      if (x->done()) continue;
      fds[n++] = pollfd{x->child->pidfd.get(), POLLIN, 0};
      if (x->deadline && (!next || *x->deadline < *next)) next = x->deadline;
    }
    int wait_ms = -1;
    if (next) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now()).count();
      wait_ms = static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
    }
    if (poll(fds, n, wait_ms) < 0 && errno != EINTR) break;  // cannot happen with valid pidfds

    for (Watched* x : {&w, &b}) {
      if (x->done()) continue;
      ChildEnd e = TryReap(*x->child);
      if (e.kind == ChildEnd::Kind::kRunning) continue;
      e.killed_by_launcher = x->killed;
      x->end = e;
      Watched& other = (x == &w) ? b : w;
      if (!other.done()) SetDeadline(other, Clock::now() + grace, /*is_timeout=*/false);
    }
    const auto now = Clock::now();
    for (Watched* x : {&w, &b}) {
      if (x->done() || x->killed || !x->deadline || now < *x->deadline) continue;
      KillChild(*x->child);
      x->killed = true;
      if (x == &w && x->deadline_is_timeout) ends.timed_out = true;
    }
  }
  ends.worker = w.end;
  ends.broker = b.end;
  return ends;
}

Verdict Decide(const RunEnds& ends, const std::optional<caps::WorkerOutcome>& outcome,
               const DecideContext& context) {
  const ChildEnd& worker = ends.worker;
  const ChildEnd& broker = ends.broker;
  const bool worker_signaled =
      worker.kind == ChildEnd::Kind::kSignaled && !worker.killed_by_launcher;
  // A seccomp trap is the strongest signal: whatever else happened, the
  // sandbox stopped an escape attempt (or an engine bug) and must say so.
  // The SIGSYS handler dies by SIGSYS after reporting; its fallback exit
  // status is 128+SIGSYS.
  if ((worker_signaled && worker.code == SIGSYS) ||
      (worker.kind == ChildEnd::Kind::kExited && worker.code == 128 + SIGSYS)) {
    if (!context.violation) {
      return Make(kExitSandboxViolation, RunEnd::kSandboxViolation,
                  "sandbox violation: worker killed by seccomp (SIGSYS), no report from the "
                  "worker");
    }
    std::string text;
    for (const std::string& line : DescribeViolation(*context.violation)) {
      text += (text.empty() ? "" : "\n") + line;
    }
    return Make(kExitSandboxViolation, RunEnd::kSandboxViolation, std::move(text));
  }
  if (ends.timed_out) {
    const long long ms = context.timeout ? context.timeout->count() : 0;
    return Make(kExitTimeout, RunEnd::kTimeout,
                "timeout: the run exceeded " + std::to_string(ms) + " ms");
  }
  // RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL one second later.
  if (context.cpu_time_seconds && worker_signaled &&
      (worker.code == SIGXCPU || worker.code == SIGKILL)) {
    return Make(kExitCpuTimeLimit, RunEnd::kCpuTimeLimit,
                "cpu time limit: the worker used more than " +
                    std::to_string(*context.cpu_time_seconds) + " s of CPU time");
  }
  if (broker.kind == ChildEnd::Kind::kSignaled && broker.code == SIGSYS) {
    return Make(kExitBrokerFailure, RunEnd::kBrokerFailure,
                "broker failed: killed by seccomp (SIGSYS): it attempted a forbidden system call");
  }
  if (broker.kind != ChildEnd::Kind::kExited || broker.code != 0 || !outcome) {
    std::string why = broker.killed_by_launcher ? "did not finish after the worker ended"
                      : broker.kind != ChildEnd::Kind::kExited || broker.code != 0
                          ? DescribeEnd(broker)
                          : "no outcome reported";
    return Make(kExitBrokerFailure, RunEnd::kBrokerFailure, "broker failed: " + why);
  }
  switch (outcome->kind) {
    case Kind::kExit: {
      Verdict v;
      v.guest_exit_code = outcome->exit_code;
      if (outcome->exit_code > static_cast<uint32_t>(kMaxGuestExitStatus)) {
        v.exit_status = kExitGuestStatusOutOfRange;
        v.message = "guest exit status " + std::to_string(outcome->exit_code) + " is out of range";
      } else {
        v.exit_status = static_cast<int>(outcome->exit_code);
      }
      return v;
    }
    case Kind::kTrap:
      if (worker.kind == ChildEnd::Kind::kExited && worker.code == kWorkerStatusModuleRejected) {
        return Make(kExitModuleRejected, RunEnd::kModuleRejected, Printable(outcome->message));
      }
      return Make(kExitTrap, RunEnd::kTrap, "trap: " + RenderTrapReport(outcome->message));
    case Kind::kProtocolViolation:
      return Make(kExitProtocolViolation, RunEnd::kProtocolViolation,
                  "protocol violation: " + Printable(outcome->message));
    case Kind::kOutputLimit:
      return Make(kExitOutputLimit, RunEnd::kOutputLimit,
                  "output limit: " + Printable(outcome->message));
    case Kind::kDisconnected:
      break;
  }
  if (worker_signaled && worker.code == SIGXFSZ) {
    return Make(kExitWorkerCrash, RunEnd::kWorkerCrash,
                "worker crashed (signal 25): linear memory grew past --max-memory (RLIMIT_FSIZE)");
  }
  if (worker.kind == ChildEnd::Kind::kSignaled) {
    return Make(kExitWorkerCrash, RunEnd::kWorkerCrash,
                "worker crashed (signal " + std::to_string(worker.code) + ")");
  }
  if (worker.code == kWorkerStatusLockdownFailed) {
    return Make(kExitUsage, RunEnd::kWorkerCrash, "the worker could not lock down its sandbox");
  }
  return Make(kExitWorkerCrash, RunEnd::kWorkerCrash,
              "worker exited without reporting an outcome (status " +
                  std::to_string(worker.code) + ")");
}

}  // namespace capsa::launcher
