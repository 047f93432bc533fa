// Runs a program as a child process and captures what it prints, for the
// end-to-end tests. Not thread-safe (uses fork).
#pragma once

#include <string>
#include <vector>

namespace capsa::e2e {

struct ProcessResult {
  bool exited = false;     // false: killed by a signal (or timed out)
  int exit_code = -1;      // valid when exited
  int signal = 0;          // valid when !exited
  bool timed_out = false;  // killed by RunProcess after the timeout
  std::string out;
  std::string err;
};

// Runs argv[0] (a path) with `argv` and exactly the environment `env`
// ("K=V"), stdin from /dev/null. Kills the child after `timeout_seconds`.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::vector<std::string>& env,
                         int timeout_seconds = 120);

}  // namespace capsa::e2e
