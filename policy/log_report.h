// Readers of audit logs (audit_log.h, man/capsa-audit-log.5): `capsa logs`
// groups a log's denials by cause and lists the grants that were never used.
// Pure except ReadAuditLog.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/result.h"

namespace capsa::policy {

// Every line of the log as a JSON object. A line that is not a schema-1
// object is an error located "FILE:LINE: error: ...".
Result<std::vector<nlohmann::json>> ReadAuditLog(const std::string& path);
Result<std::vector<nlohmann::json>> ParseAuditLog(const std::string& text,
                                                  const std::string& file_name);

struct DenialGroup {
  std::string cause;      // rules.h DenialCauseName
  std::string rule;       // the deciding rule
  std::string operation;  // WASI function
  uint64_t count = 0;
  std::vector<std::string> guest_paths;  // distinct, in first-seen order
  std::string example_host_path;
  std::string reason;     // of the first denial in the group
};

struct UnusedGrant {
  std::string rule, guest_path, host_path, mode;
};

struct LogReport {
  std::vector<std::string> runs;  // run ids, in order
  std::vector<std::string> ends;  // "exit 0 after 12 ms" per run that has an end line
  std::vector<DenialGroup> denials;   // most frequent first
  std::vector<UnusedGrant> unused_grants;
  uint64_t derived = 0;
  uint64_t unsupported = 0;
};

LogReport BuildLogReport(const std::vector<nlohmann::json>& records);
std::string FormatLogReportText(const LogReport& report);
nlohmann::ordered_json LogReportJson(const LogReport& report);

}  // namespace capsa::policy
