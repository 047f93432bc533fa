#include "caps/deny_rules.h"

#include <fnmatch.h>
#include <limits.h>
#include <unistd.h>

namespace capsa::caps {
namespace {

std::optional<std::string> RealPathOf(int fd) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char buf[PATH_MAX + 1];
  const ssize_t n = readlink(link, buf, PATH_MAX);
  if (n <= 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

std::string Join(std::string_view base, std::string_view rest) {
  std::string out(base);
  if (rest.empty() || rest == ".") return out;
  if (out.empty() || out.back() != '/') out += '/';
  out += rest;
  return out;
}

}  // namespace

void DenyRules::AddPreopen(int fd, const std::string& guest_path) {
  if (rules_.empty()) return;
  if (std::optional<std::string> real = RealPathOf(fd)) roots_.push_back({*real, guest_path});
}

std::optional<size_t> DenyRules::MatchLexical(std::string_view dir_guest_path,
                                              std::string_view path) const {
  if (rules_.empty()) return std::nullopt;
  std::optional<std::string> guest = policy::NormalizeGuestPathLexically(Join(dir_guest_path, path));
  // A path that climbs out is refused by the resolver as an escape.
  if (!guest) return std::nullopt;
  return policy::MatchDenyRule(rules_, *guest);
}

namespace {

std::vector<std::string_view> Components(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::optional<size_t> DenyRules::MatchBeneathLexical(std::string_view dir_guest_path,
                                                     std::string_view path) const {
  if (rules_.empty()) return std::nullopt;
  std::optional<std::string> guest = policy::NormalizeGuestPathLexically(Join(dir_guest_path, path));
  if (!guest) return std::nullopt;
  const std::vector<std::string_view> have = Components(*guest);
  for (size_t i = 0; i < rules_.size(); ++i) {
    const std::vector<std::string_view> want = Components(rules_[i].pattern);
    if (want.size() <= have.size()) continue;  // not strictly beneath
    bool prefix = true;
    for (size_t c = 0; c < have.size() && prefix; ++c) {
      const std::string pattern(want[c]);
      const std::string name(have[c]);
      prefix = fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
    }
    if (prefix) return i;
  }
  return std::nullopt;
}

std::optional<size_t> DenyRules::MatchResolved(int fd, std::string_view name) const {
  if (rules_.empty()) return std::nullopt;
  std::optional<std::string> real = RealPathOf(fd);
  if (!real) return std::nullopt;
  const std::string host = Join(*real, name);
  const Root* best = nullptr;
  for (const Root& r : roots_) {
    const bool under = host == r.host_real ||
                       (host.size() > r.host_real.size() &&
                        host.compare(0, r.host_real.size(), r.host_real) == 0 &&
                        (r.host_real == "/" || host[r.host_real.size()] == '/'));
    if (under && (best == nullptr || r.host_real.size() > best->host_real.size())) best = &r;
  }
  if (best == nullptr) return std::nullopt;
  std::string_view rest = std::string_view(host).substr(best->host_real.size());
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  return policy::MatchDenyRule(rules_, Join(best->guest, rest));
}

std::string DenyRules::Label(size_t index) const {
  return "deny[" + std::to_string(index) + "] " + rules_[index].pattern;
}

}  // namespace capsa::caps
