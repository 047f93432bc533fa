// The broker process: locks itself down (broker_sandbox.h), serves the
// worker with the run's capabilities, then reports the worker's outcome to
// the launcher over the outcome pipe.
#pragma once

#include <functional>
#include <vector>

#include "caps/broker.h"
#include "launcher/landlock.h"

namespace capsa::launcher {

// caps::RunBroker in production; tests may substitute a scripted broker
// (it runs after the lockdown, so it can probe it).
using BrokerServe = std::function<caps::WorkerOutcome(caps::BrokerConfig)>;

// The body of the forked broker. Applies LockDownBroker(trees), serves
// until the worker reports or goes away, writes the outcome to `report_fd`,
// and returns the exit status: 0, or 1 if the lockdown failed ("capsa:
// broker: <why>" on stderr) or the report could not be written.
int BrokerMain(caps::BrokerConfig config, const std::vector<LandlockTree>& trees, int report_fd,
               const BrokerServe& serve);

}  // namespace capsa::launcher
