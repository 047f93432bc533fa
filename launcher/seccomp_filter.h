// seccomp plumbing shared by the worker allowlist (seccomp_policy.*) and the
// broker denylist (broker_sandbox.*). Two halves:
//   - libseccomp, for the build-time generator (seccomp_gen.cc) and tests:
//     ownership of a filter context, error text, export as pseudo-filter-code
//     (review, golden tests) or as raw BPF (the precompiled programs);
//   - the start-up half: loading a precompiled BPF program with the raw
//     seccomp(2) system call, exactly as seccomp_load would, without
//     libseccomp's generation and probe calls.
#pragma once

#include <linux/filter.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

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

// The filter as the BPF program seccomp_load would install (same memfd
// route). No other side effects.
Result<std::vector<sock_filter>> ExportFilterBpf(void* ctx);

// Checks that `ctx`'s attributes are the ones LoadFilterProgram reproduces:
// CTL_NNP on (the default), CTL_TSYNC, CTL_LOG and CTL_SSB off (the
// defaults). The generator refuses to precompile a filter that fails this,
// since loading it with seccomp_load would have used other flags. No side
// effects.
Result<void> CheckLoadAttributes(void* ctx);

// Loads `program` on the calling thread as libseccomp 2.5.4's seccomp_load
// does for a context that passes CheckLoadAttributes: PR_SET_NO_NEW_PRIVS,
// then seccomp(SECCOMP_SET_MODE_FILTER, 0, program). No libseccomp call, no
// allocation; the callers run it in a freshly forked single-threaded child.
// Errors: "<who> seccomp: loading the filter: <strerror(errno)>".
// Irreversible.
Result<void> LoadFilterProgram(const char* who, std::span<const sock_filter> program);

}  // namespace capsa::launcher
