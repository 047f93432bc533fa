// Audit events: what the broker and launcher report about a run. The sink
// that writes them as JSON lines lives in policy/ too (audit_log.*); the
// broker only sees this interface. Rights are plain uint64 bit sets here so
// policy/ does not depend on the WASI headers.
#pragma once

#include <cstdint>
#include <string>

namespace capsa::policy {

struct DenialEvent {
  std::string operation;    // "path_open", "fd_write", ...
  std::string guest_path;   // as the guest named it ("" if not a path operation)
  std::string host_path;    // resolved host path, or the best description available
  uint64_t rights_held = 0;
  uint64_t rights_needed = 0;
  uint16_t wasi_errno = 0;  // the errno the guest was told
  std::string reason;       // one sentence: why ("path escapes the preopen", ...)
  // The policy rule that refused it when the broker knows it ("deny[1]
  // /data/secret/*"); otherwise "" and the sinks name the grant (rules.h).
  std::string rule;
};

struct DerivedEvent {       // a capability handed out (path_open success)
  std::string operation;
  std::string guest_path;
  std::string host_path;
  uint32_t fd = 0;
  uint64_t rights_base = 0;
  uint64_t rights_inheriting = 0;
  bool is_directory = false;  // the opened object (learn mode grants its parent otherwise)
};

// A preopen handed to the guest at start-up (written by the launcher).
struct GrantEvent {
  std::string guest_path;
  std::string host_path;
  std::string mode;         // "ro" or "rw"
  uint32_t fd = 0;          // the guest fd it appears as
  uint64_t rights_base = 0;
  uint64_t rights_inheriting = 0;
};

// How a run ended (written once by the launcher, after both children exited).
enum class RunEnd : uint8_t {
  kExit,               // the guest exited (proc_exit or return from _start)
  kTrap,               // the guest trapped
  kModuleRejected,     // the module did not decode, validate or link
  kSandboxViolation,   // the worker was killed by seccomp
  kProtocolViolation,  // the worker broke the broker protocol
  kWorkerCrash,        // the worker died of another signal or without reporting
  kBrokerFailure,      // the broker died or did not report an outcome
  kTimeout,            // the run exceeded --timeout
  kCpuTimeLimit,       // the worker exceeded --cpu-time (RLIMIT_CPU)
  kOutputLimit,        // the guest wrote more than --max-output bytes
};

struct EndEvent {
  RunEnd end = RunEnd::kExit;
  int exit_status = 0;             // capsa's own exit status
  uint32_t guest_exit_code = 0;    // kExit only
  std::string message;             // trap message, violation, ... ("" for kExit)
  uint64_t duration_ms = 0;        // from the launcher's start to both children reaped
};

// Receives events. Implementations must not throw; called from one thread.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void OnDenial(const DenialEvent& e) = 0;
  virtual void OnDerived(const DerivedEvent& e) = 0;
  // A WASI import that capsa does not implement was called (answered ENOSYS).
  virtual void OnUnsupported(const std::string& function) = 0;
  // The worker sent a message that does not parse or breaks the protocol.
  virtual void OnProtocolViolation(const std::string& what) = 0;
  // Launcher-side events; sinks that only care about the broker's events
  // need not implement them.
  virtual void OnGrant(const GrantEvent&) {}
  // The worker broke the sandbox (seccomp kill): written by the launcher
  // before the end record.
  virtual void OnSandboxViolation(const std::string&) {}
  virtual void OnEnd(const EndEvent&) {}
};

}  // namespace capsa::policy
