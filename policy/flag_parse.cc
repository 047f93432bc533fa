#include "policy/flag_parse.h"

#include <limits>
#include <optional>
#include <vector>

namespace capsa::policy {
namespace {

constexpr std::string_view kDirSeparator = "::";
constexpr uint64_t kMaxTimeoutMs = 365ull * 24 * 3600 * 1000;

Error DirError(std::string_view value, const std::string& why) {
  return MakeError(ErrorCode::kPolicy,
                   "invalid --dir value \"" + std::string(value) + "\": " + why);
}

Error EnvError(std::string_view value, const std::string& why) {
  return MakeError(ErrorCode::kPolicy,
                   "invalid --env value \"" + std::string(value) + "\": " + why);
}

Error ValueError(std::string_view flag, std::string_view value, const std::string& why) {
  return MakeError(ErrorCode::kPolicy, "invalid " + std::string(flag) + " value \"" +
                                           std::string(value) + "\": " + why);
}

bool HasNul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

std::vector<std::string_view> SplitOn(std::string_view s, std::string_view sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + sep.size();
  }
}

std::vector<std::string_view> Components(std::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return SplitOn(path, "/");
}

// Parses a decimal number without sign or spaces; nullopt on overflow/garbage.
std::optional<uint64_t> ParseDecimal(std::string_view digits) {
  if (digits.empty()) return std::nullopt;
  uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (n > (std::numeric_limits<uint64_t>::max() - d) / 10) return std::nullopt;
    n = n * 10 + d;
  }
  return n;
}

}  // namespace

bool IsNormalizedGuestPath(std::string_view path) {
  if (path == "." || path == "/") return true;
  if (path.empty()) return false;
  for (std::string_view c : Components(path)) {
    if (c.empty() || c == "." || c == "..") return false;
  }
  return true;
}

std::string NormalizeGuestPath(std::string_view path) {
  bool absolute = !path.empty() && path.front() == '/';
  std::string out = absolute ? "/" : "";
  for (std::string_view c : Components(path)) {
    if (c.empty() || c == ".") continue;
    if (!out.empty() && out.back() != '/') out += '/';
    out += c;
  }
  return out.empty() ? "." : out;
}

Result<DirGrant> ParseDirFlag(std::string_view value) {
  if (HasNul(value)) return MakeError(ErrorCode::kPolicy, "invalid --dir value: contains a NUL byte");
  std::vector<std::string_view> parts = SplitOn(value, kDirSeparator);
  if (parts.size() > 3) {
    return DirError(value, "too many \"::\" separators (expected HOST[::GUEST][::ro|rw])");
  }
  DirGrant grant;
  grant.host_path = std::string(parts[0]);
  if (grant.host_path.empty()) return DirError(value, "the host path is empty");
  grant.guest_path = grant.host_path;
  if (parts.size() >= 2) {
    if (parts[1].empty()) return DirError(value, "the guest path is empty");
    if (parts.size() == 2 && (parts[1] == "ro" || parts[1] == "rw")) {
      return DirError(value, "a mode needs a guest path (write HOST::GUEST::" +
                                 std::string(parts[1]) + ")");
    }
    grant.guest_path = std::string(parts[1]);
  }
  if (parts.size() == 3) {
    if (parts[2] == "ro") {
      grant.mode = DirMode::kReadOnly;
    } else if (parts[2] == "rw") {
      grant.mode = DirMode::kReadWrite;
    } else if (parts[2].empty()) {
      return DirError(value, "the mode is empty (use ro or rw)");
    } else {
      return DirError(value, "unknown mode \"" + std::string(parts[2]) + "\" (use ro or rw)");
    }
  }
  for (std::string_view c : Components(grant.guest_path)) {
    if (c == "..") {
      return DirError(value, "guest path \"" + grant.guest_path + "\" must not contain \"..\"");
    }
  }
  if (!IsNormalizedGuestPath(grant.guest_path)) {
    return DirError(value, "guest path \"" + grant.guest_path + "\" is not normalized (write \"" +
                               NormalizeGuestPath(grant.guest_path) + "\")");
  }
  return grant;
}

Result<void> AddDirFlag(Policy& policy, std::string_view value) {
  TRY_ASSIGN(DirGrant grant, ParseDirFlag(value));
  if (FindDirByGuestPath(policy, grant.guest_path) != nullptr) {
    return DirError(value, "guest path \"" + grant.guest_path + "\" is already granted");
  }
  policy.dirs.push_back(std::move(grant));
  return {};
}

Result<std::string> ParseEnvFlag(std::string_view value) {
  if (HasNul(value)) return MakeError(ErrorCode::kPolicy, "invalid --env value: contains a NUL byte");
  size_t eq = value.find('=');
  if (eq == std::string_view::npos) return EnvError(value, "expected NAME=VALUE");
  if (eq == 0) return EnvError(value, "the name is empty");
  return std::string(value);
}

Result<void> AddEnvFlag(Policy& policy, std::string_view value) {
  TRY_ASSIGN(std::string kv, ParseEnvFlag(value));
  std::string_view name = std::string_view(kv).substr(0, kv.find('='));
  for (const std::string& existing : policy.env) {
    if (std::string_view(existing).substr(0, existing.find('=')) == name) {
      return EnvError(value, std::string(name) + " is already set");
    }
  }
  policy.env.push_back(std::move(kv));
  return {};
}

Result<uint64_t> ParseMemoryFlag(std::string_view value) {
  std::string_view digits = value;
  uint64_t scale = 1;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'K': scale = 1ull << 10; break;
      case 'M': scale = 1ull << 20; break;
      case 'G': scale = 1ull << 30; break;
      default: break;
    }
    if (scale != 1) digits.remove_suffix(1);
  }
  std::optional<uint64_t> n = ParseDecimal(digits);
  if (!n) return ValueError("--max-memory", value, "expected bytes, optionally with K, M or G");
  if (*n == 0) return ValueError("--max-memory", value, "must be greater than 0");
  if (*n > std::numeric_limits<uint64_t>::max() / scale) {
    return ValueError("--max-memory", value, "too large");
  }
  return *n * scale;
}

Result<uint64_t> ParseFuelFlag(std::string_view value) {
  std::optional<uint64_t> n = ParseDecimal(value);
  if (!n) return ValueError("--fuel", value, "expected a positive integer");
  if (*n == 0) return ValueError("--fuel", value, "must be greater than 0");
  return *n;
}

Result<uint32_t> ParseStackFlag(std::string_view value) {
  // The frame array is allocated up front (24 bytes a frame): 10 M frames = 240 MB.
  constexpr uint64_t kMaxFrames = 10'000'000;
  std::optional<uint64_t> n = ParseDecimal(value);
  if (!n) return ValueError("--max-stack", value, "expected a number of call frames");
  if (*n == 0) return ValueError("--max-stack", value, "must be greater than 0");
  if (*n > kMaxFrames) return ValueError("--max-stack", value, "at most 10000000 frames");
  return static_cast<uint32_t>(*n);
}

Result<std::chrono::milliseconds> ParseTimeoutFlag(std::string_view value) {
  size_t dot = value.find('.');
  std::string_view whole = value.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? "" : value.substr(dot + 1);
  std::optional<uint64_t> seconds = ParseDecimal(whole);
  std::optional<uint64_t> fraction = frac.empty() ? 0 : ParseDecimal(frac);
  if (!seconds || !fraction || (dot != std::string_view::npos && frac.empty())) {
    return ValueError("--timeout", value, "expected seconds, e.g. 10 or 1.5");
  }
  if (frac.size() > 3) return ValueError("--timeout", value, "at most millisecond precision");
  uint64_t ms_fraction = *fraction;
  for (size_t i = frac.size(); i < 3; ++i) ms_fraction *= 10;
  if (*seconds > kMaxTimeoutMs / 1000) return ValueError("--timeout", value, "too large");
  uint64_t ms = *seconds * 1000 + ms_fraction;
  if (ms == 0) return ValueError("--timeout", value, "must be greater than 0");
  return std::chrono::milliseconds(ms);
}

}  // namespace capsa::policy
