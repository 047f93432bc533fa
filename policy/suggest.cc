#include "policy/suggest.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "policy/log_report.h"
#include "policy/policy.h"
#include "policy/policy_file.h"
#include "policy/wasi_rights.h"

namespace capsa::policy {
namespace {

constexpr uint64_t kWriteOpenRights =
    rights::kFdWrite | rights::kFdAllocate | rights::kFdFilestatSetSize | rights::kFdDatasync;

std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "/data/in" relative to grant root "/data" -> "in" ("" for the root).
std::string Relative(const std::string& root, const std::string& path) {
  if (path == root) return "";
  if (root == "/" ) return path.substr(1);
  if (root == ".") return path;
  return path.substr(root.size() + 1);
}

std::string Join(const std::string& base, const std::string& rel) {
  if (rel.empty()) return base;
  if (!base.empty() && base.back() == '/') return base + rel;
  return base + "/" + rel;
}

std::string Parent(const std::string& root, const std::string& path) {
  if (path == root) return root;
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return root;
  std::string parent = path.substr(0, slash == 0 ? 1 : slash);
  return IsInGuestTree(root, parent) ? parent : root;
}

}  // namespace

std::string SuggestPolicy(const std::vector<nlohmann::json>& records) {
  // The grants as the log recorded them (a Policy, so the tree lookups match
  // the launcher's).
  Policy granted;
  std::vector<std::string> grant_rules;
  for (const nlohmann::json& r : records) {
    if (Str(r, "event") != "grant" || FindDirByGuestPath(granted, Str(r, "guest_path"))) continue;
    DirGrant g;
    g.guest_path = Str(r, "guest_path");
    g.host_path = Str(r, "host_path");
    granted.dirs.push_back(g);
    grant_rules.push_back(Str(r, "rule"));
  }
  std::vector<std::string> suggested_dirs;
  // grant index -> needed guest dir -> needs write
  std::vector<std::map<std::string, bool>> needed(granted.dirs.size());
  for (const nlohmann::json& r : records) {
    if (Str(r, "event") != "derived") continue;
    std::optional<std::string> path = NormalizeGuestPathLexically(Str(r, "guest_path"));
    if (!path) continue;
    std::optional<size_t> gi = GrantIndexForGuestPath(granted, *path);
    if (!gi) continue;
    const std::string& root = granted.dirs[*gi].guest_path;
    const bool is_dir = Str(r, "file_type") == "directory";
    const uint64_t base = r.value("rights_base", uint64_t{0});
    const std::string dir = is_dir ? *path : Parent(root, *path);
    needed[*gi][dir] |= (base & kWriteOpenRights) != 0;
  }
  std::ostringstream out;
  out << "# Suggested by capsa suggest from " << records.size() << " audit records.\n"
      << "# Grants exactly the directories and access the run used; review before use.\n"
      << "# env, args and limits are not in the audit log: copy them from the original policy.\n"
      << "version = 1\n";
  for (size_t gi = 0; gi < granted.dirs.size(); ++gi) {
    const DirGrant& grant = granted.dirs[gi];
    if (needed[gi].empty()) {
      out << "\n# " << grant_rules[gi] << " (host " << grant.host_path
          << "): never used, dropped\n";
      continue;
    }
    // Fold each directory into its nearest needed ancestor (map order puts
    // "/a" before "/a/b").
    std::map<std::string, bool> merged;
    for (const auto& [dir, write] : needed[gi]) {
      bool folded = false;
      for (auto& [kept, kept_write] : merged) {
        if (IsInGuestTree(kept, dir)) {
          kept_write |= write;
          folded = true;
          break;
        }
      }
      if (!folded) merged[dir] = write;
    }
    out << "\n# from " << grant_rules[gi] << "\n";
    for (const auto& [dir, write] : merged) {
      suggested_dirs.push_back(dir);
      out << "[[dir]]\nhost = " << TomlQuote(Join(grant.host_path, Relative(grant.guest_path, dir)))
          << "\nguest = " << TomlQuote(dir) << "\nmode = \"" << (write ? "rw" : "ro") << "\"\n";
    }
  }
  // Deny rules of the original policy that fall inside a suggested grant stay:
  // a narrower grant must not allow what the broad one refused.
  std::vector<std::string> kept_denies;
  for (const nlohmann::json& r : records) {
    if (Str(r, "event") != "deny_rule") continue;
    const std::string pattern = Str(r, "pattern");
    std::string literal = pattern.substr(0, pattern.find_first_of("*?["));
    if (literal.size() < pattern.size()) literal = literal.substr(0, literal.rfind('/'));
    if (std::find(kept_denies.begin(), kept_denies.end(), pattern) != kept_denies.end()) continue;
    for (const std::string& dir : suggested_dirs) {
      if (IsInGuestTree(dir, literal) && literal != dir) {
        kept_denies.push_back(pattern);
        out << "\n# kept from " << Str(r, "rule") << "\n[[deny]]\npath = " << TomlQuote(pattern)
            << "\n";
        break;
      }
    }
  }
  const LogReport report = BuildLogReport(records);
  if (!report.denials.empty()) {
    out << "\n# Denied during the run (candidates; not granted above):\n";
    for (const DenialGroup& g : report.denials) {
      out << "#   " << g.count << "x " << g.operation << " "
          << (g.guest_paths.empty() ? "" : g.guest_paths.front()) << " — " << g.cause << " ["
          << g.rule << "]: " << g.reason << "\n";
      if (g.cause == "missing_rights" && !g.guest_paths.empty()) {
        std::optional<size_t> gi = GrantIndexForGuestPath(granted, g.guest_paths.front());
        if (gi) {
          out << "# [[dir]]\n# host = " << TomlQuote(granted.dirs[*gi].host_path)
              << "\n# guest = " << TomlQuote(granted.dirs[*gi].guest_path) << "\n# mode = \"rw\"\n";
        }
      }
    }
  }
  return out.str();
}

}  // namespace capsa::policy
