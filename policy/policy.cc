#include "policy/policy.h"

#include <fnmatch.h>

namespace capsa::policy {

const char* DirModeName(DirMode mode) {
  switch (mode) {
    case DirMode::kReadOnly: return "ro";
    case DirMode::kReadWrite: return "rw";
    case DirMode::kRights: return "rights";
  }
  return "?";
}

const char* StdioModeName(StdioMode mode) {
  return mode == StdioMode::kNull ? "null" : "inherit";
}

const DirGrant* FindDirByGuestPath(const Policy& policy, std::string_view guest_path) {
  for (const DirGrant& grant : policy.dirs) {
    if (grant.guest_path == guest_path) return &grant;
  }
  return nullptr;
}

bool IsInGuestTree(std::string_view root, std::string_view path) {
  if (path == root) return true;
  if (root == "/") return !path.empty() && path.front() == '/';
  if (root == ".") return !path.empty() && path.front() != '/';
  return path.size() > root.size() && path.substr(0, root.size()) == root &&
         path[root.size()] == '/';
}

std::optional<size_t> GrantIndexForGuestPath(const Policy& policy, std::string_view guest_path) {
  std::optional<size_t> best;
  for (size_t i = 0; i < policy.dirs.size(); ++i) {
    const std::string& root = policy.dirs[i].guest_path;
    if (!IsInGuestTree(root, guest_path)) continue;
    if (!best || root.size() > policy.dirs[*best].guest_path.size()) best = i;
  }
  return best;
}

std::optional<std::string> NormalizeGuestPathLexically(std::string_view path) {
  const bool absolute = !path.empty() && path.front() == '/';
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view c = path.substr(start, end - start);
    if (c == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
    } else if (!c.empty() && c != ".") {
      parts.push_back(c);
    }
    start = end + 1;
  }
  std::string out = absolute ? "/" : "";
  for (std::string_view c : parts) {
    if (!out.empty() && out.back() != '/') out += '/';
    out += c;
  }
  return out.empty() ? std::string(".") : out;
}

std::optional<size_t> MatchDenyRule(const std::vector<DenyRule>& denies,
                                    std::string_view guest_path) {
  if (denies.empty()) return std::nullopt;
  // The path itself, then each ancestor: a rule naming a directory refuses
  // its whole subtree.
  std::string candidate(guest_path);
  while (true) {
    for (size_t i = 0; i < denies.size(); ++i) {
      if (fnmatch(denies[i].pattern.c_str(), candidate.c_str(), FNM_PATHNAME) == 0) return i;
    }
    const size_t slash = candidate.rfind('/');
    if (slash == std::string::npos || slash == 0) return std::nullopt;
    candidate.resize(slash);
  }
}

std::vector<std::string> EffectiveEnv(const Policy& policy,
                                      const std::function<const char*(const char*)>& lookup) {
  std::vector<std::string> env = policy.env;
  for (const std::string& name : policy.env_pass) {
    const char* value = lookup(name.c_str());
    if (value != nullptr) env.push_back(name + "=" + value);
  }
  return env;
}

}  // namespace capsa::policy
