// libseccomp plumbing shared by the worker allowlist (seccomp_policy.*) and
// the broker denylist (broker_sandbox.*): ownership of a filter context, error
// text, and export as pseudo-filter-code for review and golden tests.
#pragma once

#include <memory>
#include <string>

#include "engine/base/result.h"

namespace capsa::launcher {

struct SeccompFilterDeleter {
  void operator()(void* ctx) const;
};
// Owns a scmp_filter_ctx.
using SeccompFilterPtr = std::unique_ptr<void, SeccompFilterDeleter>;

// "<who> seccomp: <what>: <strerror(-rc)>"
Error SeccompError(const std::string& who, const std::string& what, int rc);

// The filter as libseccomp's PFC text. libseccomp 2.5 exports only to an fd,
// so this goes through a memfd. No other side effects.
Result<std::string> ExportFilterPfc(void* ctx);

}  // namespace capsa::launcher
