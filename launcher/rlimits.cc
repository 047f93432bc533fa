#include "launcher/rlimits.h"

#include <errno.h>

#include <cstring>
#include <string>

namespace capsa::launcher {
namespace {

Result<void> SetLimit(int resource, rlim_t value, const char* name, rlim_t hard = 0) {
  rlimit limit{value, hard != 0 ? hard : value};
  if (setrlimit(resource, &limit) != 0) {
    return MakeError(ErrorCode::kInternal,
                     std::string("setrlimit(") + name + "): " + strerrordesc_np(errno));
  }
  return {};
}

}  // namespace

Result<void> ApplyWorkerRlimits(uint64_t max_memory_bytes, std::optional<uint64_t> cpu_seconds) {
  TRY(SetLimit(RLIMIT_CORE, 0, "RLIMIT_CORE"));
  TRY(SetLimit(RLIMIT_FSIZE, static_cast<rlim_t>(max_memory_bytes), "RLIMIT_FSIZE"));
  TRY(SetLimit(RLIMIT_NOFILE, kWorkerMaxFds, "RLIMIT_NOFILE"));
  if (cpu_seconds) {
    const auto soft = static_cast<rlim_t>(*cpu_seconds);
    TRY(SetLimit(RLIMIT_CPU, soft, "RLIMIT_CPU", soft + 1));
  }
  return {};
}

}  // namespace capsa::launcher
