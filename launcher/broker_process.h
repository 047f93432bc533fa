// The broker process: serves the worker with the run's capabilities, then
// reports the worker's outcome to the launcher over the outcome pipe.
#pragma once

#include <functional>

#include "caps/broker.h"

namespace capsa::launcher {

// caps::RunBroker in production; tests may substitute a scripted broker.
using BrokerServe = std::function<caps::WorkerOutcome(caps::BrokerConfig)>;

// The body of the forked broker. Serves until the worker reports or goes
// away, writes the outcome to `report_fd`, and returns the exit status:
// 0, or 1 if the report could not be written.
int BrokerMain(caps::BrokerConfig config, int report_fd, const BrokerServe& serve);

}  // namespace capsa::launcher
