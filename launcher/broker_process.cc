#include "launcher/broker_process.h"

#include "launcher/outcome_pipe.h"

namespace capsa::launcher {

int BrokerMain(caps::BrokerConfig config, int report_fd, const BrokerServe& serve) {
  caps::WorkerOutcome outcome = serve(std::move(config));
  return WriteOutcome(report_fd, outcome) ? 0 : 1;
}

}  // namespace capsa::launcher
