#include "policy/log_report.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace capsa::policy {

Result<std::vector<nlohmann::json>> ParseAuditLog(const std::string& text,
                                                  const std::string& file_name) {
  std::vector<nlohmann::json> records;
  std::istringstream in(text);
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    const auto at = [&](const std::string& why) {
      return MakeError(ErrorCode::kPolicy, file_name + ":" + std::to_string(n) + ": error: " + why);
    };
    if (j.is_discarded() || !j.is_object()) return at("not a JSON object");
    if (!j.contains("v") || j["v"] != 1) return at("not a capsa audit record of schema v1");
    if (!j.contains("event") || !j["event"].is_string()) return at("record without an event");
    records.push_back(std::move(j));
  }
  return records;
}

Result<std::vector<nlohmann::json>> ReadAuditLog(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kIo, "cannot read audit log " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  return ParseAuditLog(buf.str(), path);
}

namespace {

std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

LogReport BuildLogReport(const std::vector<nlohmann::json>& records) {
  LogReport report;
  std::map<std::string, size_t> group_index;
  std::vector<UnusedGrant> grants;
  std::map<std::string, bool> used;  // by grant rule
  for (const nlohmann::json& r : records) {
    const std::string event = Str(r, "event");
    const std::string run = Str(r, "run");
    if (std::find(report.runs.begin(), report.runs.end(), run) == report.runs.end()) {
      report.runs.push_back(run);
    }
    if (event == "grant") {
      grants.push_back({Str(r, "rule"), Str(r, "guest_path"), Str(r, "host_path"), Str(r, "mode")});
    } else if (event == "derived") {
      ++report.derived;
      used[Str(r, "rule")] = true;
    } else if (event == "unsupported") {
      ++report.unsupported;
    } else if (event == "denial") {
      used[Str(r, "rule")] = true;
      const std::string key =
          Str(r, "cause") + '\0' + Str(r, "rule") + '\0' + Str(r, "operation");
      auto [it, fresh] = group_index.try_emplace(key, report.denials.size());
      if (fresh) {
        report.denials.push_back({Str(r, "cause"), Str(r, "rule"), Str(r, "operation"), 0, {},
                                  Str(r, "host_path"), Str(r, "reason")});
      }
      DenialGroup& g = report.denials[it->second];
      ++g.count;
      const std::string path = Str(r, "guest_path");
      if (std::find(g.guest_paths.begin(), g.guest_paths.end(), path) == g.guest_paths.end()) {
        g.guest_paths.push_back(path);
      }
    } else if (event == "end") {
      std::string end = Str(r, "end");
      if (r.contains("guest_exit_code")) end += " " + r["guest_exit_code"].dump();
      if (r.contains("duration_ms")) end += " after " + r["duration_ms"].dump() + " ms";
      report.ends.push_back(end);
    }
  }
  for (const UnusedGrant& g : grants) {
    if (!used[g.rule]) report.unused_grants.push_back(g);
  }
  std::stable_sort(report.denials.begin(), report.denials.end(),
                   [](const DenialGroup& a, const DenialGroup& b) { return a.count > b.count; });
  return report;
}

std::string FormatLogReportText(const LogReport& r) {
  std::ostringstream out;
  out << r.runs.size() << (r.runs.size() == 1 ? " run" : " runs");
  for (const std::string& e : r.ends) out << "; ended: " << e;
  out << "; " << r.derived << " capabilities derived\n";
  uint64_t total = 0;
  for (const DenialGroup& g : r.denials) total += g.count;
  out << "\ndenials: " << total << " in " << r.denials.size()
      << (r.denials.size() == 1 ? " cause\n" : " causes\n");
  for (const DenialGroup& g : r.denials) {
    out << "  " << g.count << "x  " << g.operation << "  " << g.cause << "  [" << g.rule << "]\n";
    out << "       e.g. " << (g.guest_paths.empty() ? "" : g.guest_paths.front());
    if (!g.example_host_path.empty()) out << " (host " << g.example_host_path << ")";
    if (g.guest_paths.size() > 1) out << " and " << g.guest_paths.size() - 1 << " more paths";
    out << ": " << g.reason << "\n";
  }
  if (r.unsupported > 0) out << "\nunsupported WASI calls: " << r.unsupported << "\n";
  out << "\ngrants never used: " << r.unused_grants.size() << "\n";
  for (const UnusedGrant& g : r.unused_grants) {
    out << "  " << g.rule << "  (host " << g.host_path << ")\n";
  }
  return out.str();
}

nlohmann::ordered_json LogReportJson(const LogReport& r) {
  nlohmann::ordered_json j;
  j["runs"] = r.runs;
  j["ends"] = r.ends;
  j["derived"] = r.derived;
  j["unsupported"] = r.unsupported;
  j["denials"] = nlohmann::ordered_json::array();
  for (const DenialGroup& g : r.denials) {
    nlohmann::ordered_json d;
    d["cause"] = g.cause;
    d["rule"] = g.rule;
    d["operation"] = g.operation;
    d["count"] = g.count;
    d["guest_paths"] = g.guest_paths;
    d["example_host_path"] = g.example_host_path;
    d["reason"] = g.reason;
    j["denials"].push_back(d);
  }
  j["unused_grants"] = nlohmann::ordered_json::array();
  for (const UnusedGrant& g : r.unused_grants) {
    j["unused_grants"].push_back(
        {{"rule", g.rule}, {"guest_path", g.guest_path}, {"host_path", g.host_path}, {"mode", g.mode}});
  }
  return j;
}

}  // namespace capsa::policy
