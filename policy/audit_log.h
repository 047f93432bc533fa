// AuditLog: the run's events as JSON lines (schema version 1), one object
// per event, each written with a single write(2) so that the launcher and the
// broker — two processes sharing one O_APPEND fd — never interleave within a
// line and nothing is buffered in user space when a process dies.
//
// Every line carries:
//   "v": 1                      schema version
//   "time": "2025-01-31T12:00:00.123Z"   UTC, millisecond precision
//   "run": "<32 hex digits>"    the run id (same for every line of a run)
//   "event": one of "denial", "derived", "unsupported", "protocol_violation",
//            "sandbox_violation", "grant", "deny_rule", "end"
//   "decision": "allow" (grant, derived), "deny" (denial, unsupported),
//               "kill" (violations), "end"
//   "rule": the policy rule that decided it (policy/rules.h), e.g.
//           "dir[0] /data ro", "deny[1] /data/secret/*", "default: no grant"
// and the event's fields:
//   denial:     operation, guest_path, host_path, rights_held, rights_needed,
//               errno (the WASI errno the guest was told), reason, cause
//               (rules.h DenialCauseName)
//   derived:    operation, guest_path, host_path, fd, rights_base, rights_inheriting
//   unsupported: function
//   protocol_violation: what
//   sandbox_violation:  what
//   deny_rule:  pattern (a [[deny]] of the policy, written at start)
//   grant:      guest_path, host_path, mode ("ro"/"rw"/"rights"), fd, rights_base,
//               rights_inheriting
//   end:        end ("exit", "trap", "module_rejected", "sandbox_violation",
//               "protocol_violation", "worker_crash", "broker_failure", "timeout"),
//               exit_status (capsa's), guest_exit_code (end == "exit" only), message,
//               duration_ms, counts {grant, derived, denial, unsupported,
//               protocol_violation, sandbox_violation} (this run's lines, read
//               back from the file; absent when the log is not a regular file)
// Rights are the WASI rights bit sets as unsigned integers; derived and grant
// lines also carry "rights": the base set's names ("fd_read|fd_seek").
// The full schema: man/capsa-audit-log.5.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "engine/base/result.h"
#include "policy/events.h"
#include "policy/rules.h"

namespace capsa::policy {

// "exit", "trap", ... as in the "end" field above.
const char* RunEndName(RunEnd end);

// 32 lowercase hex digits from getrandom(2).
Result<std::string> NewRunId();

class AuditLog final : public EventSink {
 public:
  // Opens (creating, mode 0600, appending) the log at `path`. The returned
  // log owns the fd; it is O_CLOEXEC.
  static Result<std::unique_ptr<AuditLog>> Open(const std::string& path, std::string run_id);
  // Writes to `fd`, which the log owns and closes.
  AuditLog(int fd, std::string run_id);
  ~AuditLog() override;
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void OnDenial(const DenialEvent& e) override;
  void OnDerived(const DerivedEvent& e) override;
  void OnUnsupported(const std::string& function) override;
  void OnProtocolViolation(const std::string& what) override;
  void OnGrant(const GrantEvent& e) override;
  void OnSandboxViolation(const std::string& what) override;
  void OnEnd(const EndEvent& e) override;

  // Names rules from `rules` (not owned; must outlive the log). Without it,
  // "rule" says only what the event itself knows.
  void set_rules(const RuleBook* rules) { rules_ = rules; }
  // At start, after the grants: one "deny_rule" line per [[deny]] of the
  // policy (so `capsa suggest` keeps rules that never fired).
  void OnDenyRules(const std::vector<DenyRule>& rules);

  // False once a write failed (disk full, closed pipe): the log is then
  // incomplete and the run's report must say so.
  bool ok() const { return ok_; }
  int fd() const { return fd_; }
  const std::string& run_id() const { return run_id_; }

 private:
  nlohmann::ordered_json Line(const char* event, const char* decision,
                              const std::string& rule) const;
  // Counts this run's lines per event, reading the file back (nullopt-like
  // empty object when it cannot be read).
  nlohmann::ordered_json CountLines() const;
  void WriteLine(const nlohmann::ordered_json& j);

  int fd_ = -1;
  std::string path_;  // "" when built from an fd
  std::string run_id_;
  const RuleBook* rules_ = nullptr;
  bool ok_ = true;
};

}  // namespace capsa::policy
