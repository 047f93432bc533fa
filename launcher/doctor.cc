#include "launcher/doctor.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "caps/rights.h"
#include "launcher/landlock.h"
#include "launcher/namespaces.h"
#include "launcher/rlimits.h"
#include "launcher/worker.h"

namespace capsa::launcher {
namespace {

bool HasOpenat2() {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  const long fd = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how);
  if (fd >= 0) close(static_cast<int>(fd));
  return fd >= 0;
}

std::string YesNo(bool b) { return b ? "yes" : "no "; }

std::string HexRights(uint64_t r) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, r);
  return buf;
}

}  // namespace

HostLayers ProbeHost() {
  HostLayers h;
  h.seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
  std::ifstream actions("/proc/sys/kernel/seccomp/actions_avail");
  std::getline(actions, h.seccomp_actions);
  h.namespaces = ProbeWorkerNamespaces();
  h.landlock_abi = LandlockAbi();
  h.openat2 = HasOpenat2();
  return h;
}

std::string FormatDoctor(const HostLayers& h) {
  std::ostringstream out;
  out << "capsa doctor: sandbox layers on this host\n";
  out << "  " << YesNo(h.seccomp) << " seccomp filter mode"
      << (h.seccomp_actions.empty() ? "" : " (actions: " + h.seccomp_actions + ")")
      << (h.seccomp ? ": worker allowlist (trap + forensics), broker denylist" : ": runs refused")
      << "\n";
  out << "  " << YesNo(h.namespaces != 0) << " namespaces for the worker: "
      << DescribeNamespaces(h.namespaces)
      << (h.namespaces == kWorkerNamespaces ? ""
                                            : " (optional; the run continues without the rest)")
      << "\n";
  out << "  " << YesNo(h.landlock_abi > 0) << " Landlock: " << DescribeLandlock(h.landlock_abi)
      << (h.landlock_abi > 0 ? ": worker empty ruleset, broker limited to preopened trees" : "")
      << "\n";
  out << "  " << YesNo(h.openat2) << " openat2 RESOLVE_BENEATH: "
      << (h.openat2 ? "broker path resolution" : "fallback: component walk with O_NOFOLLOW")
      << "\n";
  out << "  yes no_new_privs, not dumpable, parent-death signal, rlimits (always)\n";
  return out.str();
}

std::string FormatExplain(const RunRequest& request, const HostLayers& h) {
  const policy::Limits& l = request.policy.limits;
  std::ostringstream out;
  out << "capsa run --explain: " << request.module_path << "\n";
  out << "worker layers: fds {socket 3, memfd 4, forensics 5}, no_new_privs, not dumpable, "
         "parent-death SIGKILL, rlimits {core 0, fsize "
      << l.max_memory_bytes.value_or(kDefaultMaxMemoryBytes) << ", nofile " << kWorkerMaxFds;
  if (l.cpu_time_seconds) out << ", cpu " << *l.cpu_time_seconds << " s";
  out << "}, namespaces {" << DescribeNamespaces(h.namespaces) << "}, landlock "
      << (h.landlock_abi > 0 ? "empty ruleset, " + DescribeLandlock(h.landlock_abi)
                             : std::string("not available"))
      << ", seccomp allowlist (trap + forensics)\n";
  out << "broker layers: no_new_privs, not dumpable, parent-death SIGKILL, landlock "
      << (h.landlock_abi > 0 ? "preopened trees only" : "not available")
      << ", seccomp denylist (no exec, ptrace, new sockets, processes), path resolution "
      << (h.openat2 ? "openat2 RESOLVE_BENEATH" : "component walk") << "\n";
  if (request.policy.dirs.empty()) out << "grant: no directories\n";
  uint32_t fd = 3;
  for (const policy::DirGrant& d : request.policy.dirs) {
    const caps::DirRights r = d.mode == policy::DirMode::kReadWrite ? caps::DirRights::ReadWrite()
                                                                    : caps::DirRights::ReadOnly();
    out << "grant: fd " << fd++ << " " << d.guest_path << " -> " << d.host_path << " "
        << policy::DirModeName(d.mode) << " (rights base " << HexRights(r.base())
        << ", inheriting " << HexRights(r.inheriting()) << ")\n";
  }
  out << "grant: env {";
  for (size_t i = 0; i < request.policy.env.size(); ++i) {
    const std::string& kv = request.policy.env[i];
    out << (i ? ", " : "") << kv.substr(0, kv.find('='));
  }
  out << "}, " << request.policy.args.size() << " args, stdio 0 1 2\n";
  out << "limits: memory " << l.max_memory_bytes.value_or(kDefaultMaxMemoryBytes) << " bytes";
  out << ", fuel " << (l.fuel ? std::to_string(*l.fuel) : "none");
  out << ", timeout " << (l.timeout ? std::to_string(l.timeout->count()) + " ms" : "none");
  out << ", cpu time "
      << (l.cpu_time_seconds ? std::to_string(*l.cpu_time_seconds) + " s" : "none");
  out << ", output "
      << (l.max_output_bytes ? std::to_string(*l.max_output_bytes) + " bytes" : "unlimited")
      << "\n";
  return out.str();
}

}  // namespace capsa::launcher
