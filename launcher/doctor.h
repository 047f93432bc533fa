// `capsa doctor` and `capsa run --explain`: which sandbox layers this host
// supports and which a run uses, and what a run grants. Probing forks one
// throw-away child (namespaces) and makes harmless calls (Landlock version
// query, openat2 of "/", seccomp's available actions); nothing is changed.
#pragma once

#include <cstdint>
#include <string>

#include "launcher/run.h"

namespace capsa::launcher {

struct HostLayers {
  bool seccomp = false;           // seccomp filter mode (prctl PR_GET_SECCOMP works)
  std::string seccomp_actions;    // /proc/sys/kernel/seccomp/actions_avail
  uint32_t namespaces = 0;        // NamespaceBits a worker can enter
  int landlock_abi = 0;           // 0: none
  bool openat2 = false;           // RESOLVE_BENEATH path resolution
};

HostLayers ProbeHost();

// The doctor's report: one line per layer, "yes"/"no" and what a run would
// use. Pure.
std::string FormatDoctor(const HostLayers& host);

// --explain: the layers of both children and every grant (preopens with
// their mode and rights, environment names without values, argument count,
// limits). Pure.
std::string FormatExplain(const RunRequest& request, const HostLayers& host);

}  // namespace capsa::launcher
