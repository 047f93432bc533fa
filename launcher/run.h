// One `capsa run`: prepares every resource the policy grants, starts the
// broker and the worker, supervises them and reports how the run ended.
//
//   launcher ── reads the module, opens preopens, memfd, socketpair, pipe
//     ├─ broker  (fork) caps::RunBroker over socket[0]; writes the outcome
//     └─ worker  (fork) lockdown (worker.h), then the payload over socket[1]
//   launcher ── closes its copies, supervises (supervisor.h), prints one
//               "capsa: ..." line for anything but a plain guest exit,
//               writes the audit log's "end" line, returns the exit status.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "launcher/broker_process.h"
#include "launcher/worker.h"
#include "policy/policy.h"

namespace capsa::launcher {

struct RunRequest {
  policy::Policy policy;       // args[0] is the module path as given
  std::string module_path;
  std::string audit_log_path;  // empty: no audit log
  bool explain = false;        // --explain: print layers and grants first
  // --tcplisten HOST:PORT, in order: listening sockets preopened after the
  // directories (launcher/tcp_listen.h).
  std::vector<std::string> tcp_listen;
};

// Seams for tests that run the real machinery with a scripted side.
struct RunHooks {
  WorkerPayload worker;  // runs in the worker after lockdown
  BrokerServe broker;    // runs in the broker process
  // Called in the launcher once both children exist, before supervision
  // (tests inspect the live worker through /proc here).
  std::function<void(pid_t worker, pid_t broker)> on_started;
};

// RunGuest (guest_worker.h) and caps::RunBroker.
RunHooks ProductionHooks();

// Runs and returns capsa's exit status (exit_codes.h). Diagnostics go to
// `stderr_fd`, each as one "capsa: ..." line.
int Run(const RunRequest& request, const RunHooks& hooks, int stderr_fd = 2);

}  // namespace capsa::launcher
