#include "launcher/broker_process.h"

#include <unistd.h>

#include <string>

#include "launcher/broker_sandbox.h"
#include "launcher/outcome_pipe.h"

namespace capsa::launcher {

int BrokerMain(caps::BrokerConfig config, const std::vector<LandlockTree>& trees, int report_fd,
               const BrokerServe& serve) {
  Result<BrokerSandboxReport> locked = LockDownBroker(trees);
  if (!locked.ok()) {
    const std::string line = "capsa: broker: " + locked.error().message + "\n";
    (void)!write(2, line.data(), line.size());
    return 1;
  }
  caps::WorkerOutcome outcome = serve(std::move(config));
  return WriteOutcome(report_fd, outcome) ? 0 : 1;
}

}  // namespace capsa::launcher
