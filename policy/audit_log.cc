#include "policy/audit_log.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "policy/wasi_rights.h"

namespace capsa::policy {
namespace {

std::string NowRfc3339() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  gmtime_r(&ts.tv_sec, &utc);
  char date[32];
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
  char ms[8];
  snprintf(ms, sizeof ms, ".%03d", static_cast<int>(ts.tv_nsec / 1000000) % 1000);
  return std::string(date) + ms + "Z";
}

}  // namespace

const char* RunEndName(RunEnd end) {
  switch (end) {
    case RunEnd::kExit: return "exit";
    case RunEnd::kTrap: return "trap";
    case RunEnd::kModuleRejected: return "module_rejected";
    case RunEnd::kSandboxViolation: return "sandbox_violation";
    case RunEnd::kProtocolViolation: return "protocol_violation";
    case RunEnd::kWorkerCrash: return "worker_crash";
    case RunEnd::kBrokerFailure: return "broker_failure";
    case RunEnd::kTimeout: return "timeout";
    case RunEnd::kCpuTimeLimit: return "cpu_time_limit";
    case RunEnd::kOutputLimit: return "output_limit";
  }
  return "unknown";
}

Result<std::string> NewRunId() {
  unsigned char bytes[16];
  ssize_t n;
  do {
    n = getrandom(bytes, sizeof bytes, 0);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof bytes)) {
    return MakeError(ErrorCode::kIo, "getrandom failed for the run id");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path, std::string run_id) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0) {
    return MakeError(ErrorCode::kIo,
                     "cannot open audit log " + path + ": " + std::string(strerrordesc_np(errno)));
  }
  auto log = std::make_unique<AuditLog>(fd, std::move(run_id));
  struct stat st{};
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) log->path_ = path;
  return log;
}

AuditLog::AuditLog(int fd, std::string run_id) : fd_(fd), run_id_(std::move(run_id)) {}

AuditLog::~AuditLog() {
  if (fd_ >= 0) close(fd_);
}

nlohmann::ordered_json AuditLog::Line(const char* event, const char* decision,
                                      const std::string& rule) const {
  // ordered_json keeps insertion order: the fixed keys come first on every line.
  nlohmann::ordered_json j;
  j["v"] = 1;
  j["time"] = NowRfc3339();
  j["run"] = run_id_;
  j["event"] = event;
  j["decision"] = decision;
  j["rule"] = rule;
  return j;
}

nlohmann::ordered_json AuditLog::CountLines() const {
  nlohmann::ordered_json counts;
  for (const char* e : {"grant", "derived", "denial", "unsupported", "protocol_violation",
                        "sandbox_violation"}) {
    counts[e] = 0;
  }
  std::ifstream in(path_);
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("run", "") != run_id_) continue;
    const std::string event = j.value("event", "");
    if (counts.contains(event)) counts[event] = counts[event].get<uint64_t>() + 1;
  }
  return counts;
}

void AuditLog::WriteLine(const nlohmann::ordered_json& j) {
  // Guest-controlled strings (paths, function names) may hold invalid UTF-8;
  // replace rather than fail so a hostile guest cannot suppress its own line.
  std::string line = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  line += '\n';
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok_ = false;
      return;
    }
    p += static_cast<size_t>(n);
    left -= static_cast<size_t>(n);
  }
}

void AuditLog::OnDenial(const DenialEvent& e) {
  std::string rule = rules_ != nullptr ? rules_->RuleForDenial(e)
                                      : (e.rule.empty() ? std::string(kNoGrantRule) : e.rule);
  auto j = Line("denial", "deny", rule);
  j["operation"] = e.operation;
  j["guest_path"] = e.guest_path;
  j["host_path"] = e.host_path;
  j["rights_held"] = e.rights_held;
  j["rights_needed"] = e.rights_needed;
  j["errno"] = e.wasi_errno;
  j["reason"] = e.reason;
  j["cause"] = DenialCauseName(ClassifyDenial(e));
  WriteLine(j);
}

void AuditLog::OnDerived(const DerivedEvent& e) {
  auto j = Line("derived", "allow",
                rules_ != nullptr ? rules_->RuleFor(e.guest_path) : std::string(kNoGrantRule));
  j["operation"] = e.operation;
  j["guest_path"] = e.guest_path;
  j["host_path"] = e.host_path;
  j["fd"] = e.fd;
  j["rights_base"] = e.rights_base;
  j["rights_inheriting"] = e.rights_inheriting;
  j["rights"] = RightsToNames(e.rights_base);
  j["file_type"] = e.is_directory ? "directory" : "other";
  WriteLine(j);
}

void AuditLog::OnUnsupported(const std::string& function) {
  auto j = Line("unsupported", "deny", "default: not implemented (ENOSYS)");
  j["function"] = function;
  WriteLine(j);
}

void AuditLog::OnProtocolViolation(const std::string& what) {
  auto j = Line("protocol_violation", "kill", "broker protocol");
  j["what"] = what;
  WriteLine(j);
}

void AuditLog::OnDenyRules(const std::vector<DenyRule>& rules) {
  for (size_t i = 0; i < rules.size(); ++i) {
    auto j = Line("deny_rule", "deny", DenyRuleLabel(i, rules[i]));
    j["pattern"] = rules[i].pattern;
    WriteLine(j);
  }
}

void AuditLog::OnSandboxViolation(const std::string& what) {
  auto j = Line("sandbox_violation", "kill", "seccomp allowlist");
  j["what"] = what;
  WriteLine(j);
}

void AuditLog::OnGrant(const GrantEvent& e) {
  auto j = Line("grant", "allow",
                rules_ != nullptr ? rules_->RuleFor(e.guest_path) : "dir " + e.guest_path + " " + e.mode);
  j["guest_path"] = e.guest_path;
  j["host_path"] = e.host_path;
  j["mode"] = e.mode;
  j["fd"] = e.fd;
  j["rights_base"] = e.rights_base;
  j["rights_inheriting"] = e.rights_inheriting;
  j["rights"] = RightsToNames(e.rights_base);
  WriteLine(j);
}

void AuditLog::OnEnd(const EndEvent& e) {
  const char* rule = "guest";
  if (e.end == RunEnd::kTimeout) rule = "limits.timeout";
  if (e.end == RunEnd::kSandboxViolation) rule = "seccomp allowlist";
  if (e.end == RunEnd::kProtocolViolation) rule = "broker protocol";
  if (e.end == RunEnd::kModuleRejected) rule = "module check";
  auto j = Line("end", "end", rule);
  j["end"] = RunEndName(e.end);
  j["exit_status"] = e.exit_status;
  if (e.end == RunEnd::kExit) j["guest_exit_code"] = e.guest_exit_code;
  j["message"] = e.message;
  j["duration_ms"] = e.duration_ms;
  if (!path_.empty()) j["counts"] = CountLines();
  WriteLine(j);
}

}  // namespace capsa::policy
