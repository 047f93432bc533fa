// Test helper: runs a program, capturing stdout and stderr.
#pragma once

#include <string>
#include <vector>

namespace capsa::launcher::testing {

struct ProcessResult {
  int exit_status = -1;  // -1 if killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

ProcessResult RunProcess(const std::vector<std::string>& argv);

}  // namespace capsa::launcher::testing
