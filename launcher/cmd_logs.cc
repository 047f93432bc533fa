// capsa logs, capsa suggest: readers of an audit log (policy/log_report.h,
// policy/suggest.h).
#include <cstdio>

#include "launcher/cmd_tools.h"
#include "launcher/exit_codes.h"
#include "policy/log_report.h"
#include "policy/suggest.h"

namespace capsa::launcher {

int Logs(const std::string& file, bool json) {
  Result<std::vector<nlohmann::json>> records = policy::ReadAuditLog(file);
  if (!records.ok()) {
    std::fprintf(stderr, "capsa: %s\n", records.error().message.c_str());
    return kExitUsage;
  }
  const policy::LogReport report = policy::BuildLogReport(records.value());
  const std::string text = json ? policy::LogReportJson(report).dump(2) + "\n"
                                : policy::FormatLogReportText(report);
  std::fputs(text.c_str(), stdout);
  return 0;
}

int Suggest(const std::string& file) {
  Result<std::vector<nlohmann::json>> records = policy::ReadAuditLog(file);
  if (!records.ok()) {
    std::fprintf(stderr, "capsa: %s\n", records.error().message.c_str());
    return kExitUsage;
  }
  std::fputs(policy::SuggestPolicy(records.value()).c_str(), stdout);
  return 0;
}

}  // namespace capsa::launcher
