#include "policy/policy_file.h"

#include <errno.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "policy/flag_parse.h"
#include "policy/wasi_rights.h"

namespace capsa::policy {
namespace {

constexpr int64_t kVersion = 1;

// Builds located errors against the file's text. toml++ reports exceptions;
// they are caught in ParsePolicyToml and never leave this file.
class Locator {
 public:
  Locator(std::string_view text, std::string_view file) : file_(file) {
    std::string_view rest = text;
    while (true) {
      size_t nl = rest.find('\n');
      lines_.emplace_back(rest.substr(0, nl));
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
  }

  Error At(const toml::source_region& where, const std::string& what) const {
    return At(where.begin.line, where.begin.column, what);
  }
  Error At(uint32_t line, uint32_t col, const std::string& what) const {
    std::string msg = file_ + ":" + std::to_string(line) + ":" + std::to_string(col) +
                      ": error: " + what;
    if (line >= 1 && line <= lines_.size()) {
      std::string src = lines_[line - 1];
      if (!src.empty() && src.back() == '\r') src.pop_back();
      msg += "\n  " + src + "\n  " + std::string(col > 0 ? col - 1 : 0, ' ') + "^";
    }
    return MakeError(ErrorCode::kPolicy, msg);
  }

 private:
  std::string file_;
  std::vector<std::string> lines_;
};

using KeySet = std::set<std::string_view>;

// Refuses keys of `table` not in `known`, naming where they are.
Result<void> OnlyKeys(const Locator& loc, const toml::table& table, const KeySet& known,
                      std::string_view where) {
  for (auto&& [key, node] : table) {
    if (known.count(key.str()) == 0) {
      std::string list;
      for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return loc.At(key.source(), "unknown key \"" + std::string(key.str()) + "\" in " +
                                      std::string(where) + " (expected one of: " + list + ")");
    }
  }
  return {};
}

Result<std::string> String(const Locator& loc, const toml::node& node, std::string_view what) {
  const auto* s = node.as_string();
  if (s == nullptr) return loc.At(node.source(), std::string(what) + " must be a string");
  if (s->get().find('\0') != std::string::npos) {
    return loc.At(node.source(), std::string(what) + " contains a NUL byte");
  }
  return s->get();
}

Result<std::vector<std::pair<std::string, const toml::node*>>> Strings(const Locator& loc,
                                                                      const toml::node& node,
                                                                      std::string_view what) {
  const auto* arr = node.as_array();
  if (arr == nullptr) return loc.At(node.source(), std::string(what) + " must be an array of strings");
  std::vector<std::pair<std::string, const toml::node*>> out;
  for (const toml::node& el : *arr) {
    TRY_ASSIGN(std::string s, String(loc, el, std::string(what) + " entries"));
    out.emplace_back(std::move(s), &el);
  }
  return out;
}

// Re-locates a flag parser's message ("invalid --max-memory value ...: why").
Error Relocate(const Locator& loc, const toml::node& node, const Error& e) {
  return loc.At(node.source(), e.message);
}

Result<void> ParseDir(const Locator& loc, const toml::table& t, Policy& policy) {
  TRY(OnlyKeys(loc, t, {"host", "guest", "mode", "rights"}, "[[dir]]"));
  const toml::node* host = t.get("host");
  if (host == nullptr) return loc.At(t.source(), "[[dir]] needs a host path (host = \"...\")");
  DirGrant grant;
  TRY_ASSIGN(grant.host_path, String(loc, *host, "host"));
  if (grant.host_path.empty()) return loc.At(host->source(), "host must not be empty");
  grant.guest_path = grant.host_path;
  const toml::node* guest = t.get("guest");
  const toml::node* where = host;
  if (guest != nullptr) {
    TRY_ASSIGN(grant.guest_path, String(loc, *guest, "guest"));
    where = guest;
  }
  if (grant.guest_path.find("..") != std::string::npos &&
      !NormalizeGuestPathLexically(grant.guest_path).has_value()) {
    return loc.At(where->source(), "guest path \"" + grant.guest_path + "\" must not contain \"..\"");
  }
  if (!IsNormalizedGuestPath(grant.guest_path)) {
    return loc.At(where->source(), "guest path \"" + grant.guest_path +
                                       "\" is not normalized (write \"" +
                                       NormalizeGuestPath(grant.guest_path) + "\")");
  }
  const toml::node* mode = t.get("mode");
  const toml::node* rights = t.get("rights");
  if (mode != nullptr && rights != nullptr) {
    return loc.At(rights->source(), "[[dir]] takes mode or rights, not both");
  }
  if (mode != nullptr) {
    TRY_ASSIGN(std::string m, String(loc, *mode, "mode"));
    if (m == "ro") {
      grant.mode = DirMode::kReadOnly;
    } else if (m == "rw") {
      grant.mode = DirMode::kReadWrite;
    } else {
      return loc.At(mode->source(), "unknown mode \"" + m + "\" (use \"ro\" or \"rw\")");
    }
  }
  if (rights != nullptr) {
    TRY_ASSIGN(auto names, Strings(loc, *rights, "rights"));
    if (names.empty()) return loc.At(rights->source(), "rights must not be empty (omit the grant)");
    grant.mode = DirMode::kRights;
    for (const auto& [name, node] : names) {
      std::optional<uint64_t> bit = RightByName(name);
      if (!bit) {
        return loc.At(node->source(), "unknown WASI right \"" + name +
                                          "\" (see capsa-policy(5) for the list)");
      }
      grant.rights |= *bit;
    }
  }
  for (size_t i = 0; i < policy.dirs.size(); ++i) {
    const std::string& other = policy.dirs[i].guest_path;
    if (other == grant.guest_path) {
      return loc.At(where->source(), "guest path \"" + grant.guest_path +
                                         "\" is already granted by dir[" + std::to_string(i) + "]");
    }
    if (IsInGuestTree(other, grant.guest_path) || IsInGuestTree(grant.guest_path, other)) {
      return loc.At(where->source(), "guest path \"" + grant.guest_path + "\" overlaps dir[" +
                                         std::to_string(i) + "] \"" + other +
                                         "\" (nested grants are ambiguous; use [[deny]] or one grant)");
    }
  }
  policy.dirs.push_back(std::move(grant));
  return {};
}

Result<void> ParseDeny(const Locator& loc, const toml::table& t, Policy& policy) {
  TRY(OnlyKeys(loc, t, {"path"}, "[[deny]]"));
  const toml::node* path = t.get("path");
  if (path == nullptr) return loc.At(t.source(), "[[deny]] needs a path (path = \"...\")");
  TRY_ASSIGN(std::string pattern, String(loc, *path, "path"));
  // The literal part before the first wildcard must lie inside a grant, and
  // must not be the grant's root (that would deny the whole grant: drop it).
  const size_t wild = pattern.find_first_of("*?[");
  std::string literal = pattern.substr(0, wild);
  if (wild != std::string::npos) {
    const size_t slash = literal.rfind('/');
    literal = slash == std::string::npos ? "." : literal.substr(0, slash == 0 ? 1 : slash);
  }
  if (!IsNormalizedGuestPath(literal)) {
    return loc.At(path->source(), "deny path \"" + pattern + "\" is not a normalized guest path");
  }
  std::optional<size_t> grant = GrantIndexForGuestPath(policy, literal);
  if (!grant) {
    return loc.At(path->source(), "deny path \"" + pattern +
                                      "\" lies outside every granted directory (nothing to deny; "
                                      "[[deny]] must come after the [[dir]] it narrows)");
  }
  if (wild == std::string::npos && literal == policy.dirs[*grant].guest_path) {
    return loc.At(path->source(), "deny path \"" + pattern + "\" denies the whole grant dir[" +
                                      std::to_string(*grant) + "] (remove the grant instead)");
  }
  policy.denies.push_back({std::move(pattern)});
  return {};
}

Result<void> ParseStdio(const Locator& loc, const toml::table& t, Policy& policy) {
  TRY(OnlyKeys(loc, t, {"stdin", "stdout", "stderr"}, "[stdio]"));
  for (auto&& [key, node] : t) {
    TRY_ASSIGN(std::string v, String(loc, node, std::string(key.str())));
    StdioMode mode;
    if (v == "inherit") {
      mode = StdioMode::kInherit;
    } else if (v == "null") {
      mode = StdioMode::kNull;
    } else {
      return loc.At(node.source(), "unknown " + std::string(key.str()) + " mode \"" + v +
                                       "\" (use \"inherit\" or \"null\")");
    }
    if (key.str() == "stdin") policy.stdio.in = mode;
    if (key.str() == "stdout") policy.stdio.out = mode;
    if (key.str() == "stderr") policy.stdio.err = mode;
  }
  return {};
}

// A number of seconds, or a string, as --timeout takes it.
Result<void> ParseLimits(const Locator& loc, const toml::table& t, Policy& policy) {
  TRY(OnlyKeys(loc, t, {"memory", "fuel", "stack", "timeout", "cpu_time", "output"}, "[limits]"));
  if (const toml::node* n = t.get("memory")) {
    std::string text;
    if (const auto* i = n->as_integer()) {
      text = i->get() > 0 ? std::to_string(i->get()) : "0";
    } else {
      TRY_ASSIGN(text, String(loc, *n, "memory"));
    }
    Result<uint64_t> v = ParseMemoryFlag(text);
    if (!v.ok()) return Relocate(loc, *n, v.error());
    policy.limits.max_memory_bytes = v.value();
  }
  if (const toml::node* n = t.get("fuel")) {
    const auto* i = n->as_integer();
    if (i == nullptr) return loc.At(n->source(), "fuel must be an integer");
    if (i->get() <= 0) return loc.At(n->source(), "fuel must be greater than 0");
    policy.limits.fuel = static_cast<uint64_t>(i->get());
  }
  if (const toml::node* n = t.get("timeout")) {
    std::string text;
    if (const auto* i = n->as_integer()) {
      text = std::to_string(i->get());
    } else if (const auto* f = n->as_floating_point()) {
      const double ms = f->get() * 1000.0;
      if (!(ms >= 1.0) || ms > 365.0 * 24 * 3600 * 1000 || std::fabs(ms - std::round(ms)) > 1e-6) {
        return loc.At(n->source(),
                      "timeout must be positive seconds with at most millisecond precision");
      }
      text = std::to_string(static_cast<uint64_t>(std::llround(ms)) / 1000) + "." +
             std::to_string(1000 + static_cast<uint64_t>(std::llround(ms)) % 1000).substr(1);
    } else {
      TRY_ASSIGN(text, String(loc, *n, "timeout"));
    }
    Result<std::chrono::milliseconds> v = ParseTimeoutFlag(text);
    if (!v.ok()) return Relocate(loc, *n, v.error());
    policy.limits.timeout = v.value();
  }
  if (const toml::node* n = t.get("stack")) {
    const auto* i = n->as_integer();
    if (i == nullptr) return loc.At(n->source(), "stack must be an integer (call frames)");
    Result<uint32_t> v = ParseStackFlag(std::to_string(i->get() < 0 ? 0 : i->get()));
    if (!v.ok()) return Relocate(loc, *n, v.error());
    policy.limits.max_call_depth = v.value();
  }
  if (const toml::node* n = t.get("cpu_time")) {
    const auto* i = n->as_integer();
    if (i == nullptr || i->get() <= 0) {
      return loc.At(n->source(), "cpu_time must be a positive integer (seconds)");
    }
    policy.limits.cpu_time_seconds = static_cast<uint64_t>(i->get());
  }
  if (const toml::node* n = t.get("output")) {
    std::string text;
    if (const auto* i = n->as_integer()) {
      text = i->get() > 0 ? std::to_string(i->get()) : "0";
    } else {
      TRY_ASSIGN(text, String(loc, *n, "output"));
    }
    // Same syntax as memory: bytes with an optional K, M or G.
    Result<uint64_t> v = ParseMemoryFlag(text);
    if (!v.ok()) {
      return loc.At(n->source(), "invalid output value \"" + text +
                                     "\": expected bytes > 0, optionally with K, M or G");
    }
    policy.limits.max_output_bytes = v.value();
  }
  return {};
}

Result<void> ParseEnv(const Locator& loc, const toml::table& t, Policy& policy) {
  for (auto&& [key, node] : t) {
    const std::string name(key.str());
    if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos) {
      return loc.At(key.source(), "invalid environment variable name \"" + name + "\"");
    }
    TRY_ASSIGN(std::string value, String(loc, node, "env." + name));
    policy.env.push_back(name + "=" + value);
  }
  return {};
}

const toml::array* ArrayOfTables(const Locator& loc, const toml::node& node, std::string_view key,
                                 Error* error) {
  const auto* arr = node.as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    *error = loc.At(node.source(), std::string(key) + " must be written as [[" + std::string(key) + "]] tables");
    return nullptr;
  }
  return arr;
}

Result<Policy> ParseDocument(const Locator& loc, const toml::table& root) {
  Policy policy;
  TRY(OnlyKeys(loc, root,
               {"version", "args", "env", "env_pass", "audit_log", "dir", "deny", "stdio",
                "limits", "tcplisten"},
               "the policy"));
  const toml::node* version = root.get("version");
  if (version == nullptr) return loc.At(1, 1, "missing \"version = 1\"");
  const auto* v = version->as_integer();
  if (v == nullptr || v->get() != kVersion) {
    return loc.At(version->source(), "unsupported policy version (this capsa reads version = 1)");
  }
  // [[dir]] first: deny rules are checked against the grants.
  if (const toml::node* n = root.get("dir")) {
    Error e{};
    const toml::array* arr = ArrayOfTables(loc, *n, "dir", &e);
    if (arr == nullptr) return e;
    for (const toml::node& t : *arr) TRY(ParseDir(loc, *t.as_table(), policy));
  }
  if (const toml::node* n = root.get("deny")) {
    Error e{};
    const toml::array* arr = ArrayOfTables(loc, *n, "deny", &e);
    if (arr == nullptr) return e;
    for (const toml::node& t : *arr) TRY(ParseDeny(loc, *t.as_table(), policy));
  }
  if (const toml::node* n = root.get("tcplisten")) {
    Error e{};
    const toml::array* arr = ArrayOfTables(loc, *n, "tcplisten", &e);
    if (arr == nullptr) return e;
    for (const toml::node& el : *arr) {
      const toml::table& t = *el.as_table();
      TRY(OnlyKeys(loc, t, {"address"}, "[[tcplisten]]"));
      const toml::node* a = t.get("address");
      if (a == nullptr) return loc.At(t.source(), "[[tcplisten]] needs address = \"HOST:PORT\"");
      TRY_ASSIGN(std::string address, String(loc, *a, "address"));
      policy.tcp_listen.push_back(std::move(address));
    }
  }
  if (const toml::node* n = root.get("args")) {
    TRY_ASSIGN(auto args, Strings(loc, *n, "args"));
    for (auto& [a, node] : args) policy.args.push_back(std::move(a));
  }
  if (const toml::node* n = root.get("env")) {
    const toml::table* t = n->as_table();
    if (t == nullptr) return loc.At(n->source(), "env must be a table ([env] NAME = \"value\")");
    TRY(ParseEnv(loc, *t, policy));
  }
  if (const toml::node* n = root.get("env_pass")) {
    TRY_ASSIGN(auto names, Strings(loc, *n, "env_pass"));
    for (auto& [name, node] : names) {
      if (name.empty() || name.find('=') != std::string::npos) {
        return loc.At(node->source(), "invalid environment variable name \"" + name + "\"");
      }
      for (const std::string& kv : policy.env) {
        if (kv.substr(0, kv.find('=')) == name) {
          return loc.At(node->source(), name + " is both set in [env] and passed through by env_pass");
        }
      }
      for (const std::string& other : policy.env_pass) {
        if (other == name) return loc.At(node->source(), name + " is listed twice in env_pass");
      }
      policy.env_pass.push_back(std::move(name));
    }
  }
  if (const toml::node* n = root.get("audit_log")) {
    TRY_ASSIGN(policy.audit_log, String(loc, *n, "audit_log"));
    if (policy.audit_log.empty()) return loc.At(n->source(), "audit_log must not be empty");
  }
  for (const char* table : {"stdio", "limits"}) {
    const toml::node* n = root.get(table);
    if (n == nullptr) continue;
    const toml::table* t = n->as_table();
    if (t == nullptr) return loc.At(n->source(), std::string(table) + " must be a table");
    if (std::strcmp(table, "stdio") == 0) TRY(ParseStdio(loc, *t, policy));
    if (std::strcmp(table, "limits") == 0) TRY(ParseLimits(loc, *t, policy));
  }
  return policy;
}

std::string FormatTimeout(std::chrono::milliseconds ms) {
  const uint64_t n = static_cast<uint64_t>(ms.count());
  if (n % 1000 == 0) return std::to_string(n / 1000);
  std::string frac = std::to_string(1000 + n % 1000).substr(1);
  while (frac.back() == '0') frac.pop_back();
  return std::to_string(n / 1000) + "." + frac;
}

std::string TomlStringArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + TomlQuote(items[i]);
  return out + "]";
}

}  // namespace

std::string TomlQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

Result<Policy> ParsePolicyToml(std::string_view text, std::string_view file_name) {
  const Locator loc(text, file_name);
  try {
    toml::table root = toml::parse(text, file_name);
    return ParseDocument(loc, root);
  } catch (const toml::parse_error& e) {
    return loc.At(e.source(), std::string(e.description()));
  }
}

Result<Policy> LoadPolicyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(ErrorCode::kIo,
                     "cannot read policy " + path + ": " + std::string(strerrordesc_np(errno)));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return ParsePolicyToml(buf.str(), path);
}

std::string FormatPolicyToml(const Policy& p) {
  std::ostringstream out;
  out << "version = 1\n";
  if (!p.args.empty()) out << "args = " << TomlStringArray(p.args) << "\n";
  if (!p.env_pass.empty()) out << "env_pass = " << TomlStringArray(p.env_pass) << "\n";
  if (!p.audit_log.empty()) out << "audit_log = " << TomlQuote(p.audit_log) << "\n";
  if (!p.env.empty()) {
    out << "\n[env]\n";
    for (const std::string& kv : p.env) {
      const size_t eq = kv.find('=');
      out << TomlQuote(kv.substr(0, eq)) << " = " << TomlQuote(kv.substr(eq + 1)) << "\n";
    }
  }
  for (const DirGrant& d : p.dirs) {
    out << "\n[[dir]]\nhost = " << TomlQuote(d.host_path) << "\nguest = " << TomlQuote(d.guest_path)
        << "\n";
    if (d.mode == DirMode::kRights) {
      out << "rights = " << TomlStringArray(RightsToNameList(d.rights)) << "\n";
    } else {
      out << "mode = \"" << DirModeName(d.mode) << "\"\n";
    }
  }
  for (const DenyRule& r : p.denies) out << "\n[[deny]]\npath = " << TomlQuote(r.pattern) << "\n";
  for (const std::string& a : p.tcp_listen) out << "\n[[tcplisten]]\naddress = " << TomlQuote(a) << "\n";
  const Stdio& s = p.stdio;
  if (s.in != StdioMode::kInherit || s.out != StdioMode::kInherit || s.err != StdioMode::kInherit) {
    out << "\n[stdio]\nstdin = \"" << StdioModeName(s.in) << "\"\nstdout = \""
        << StdioModeName(s.out) << "\"\nstderr = \"" << StdioModeName(s.err) << "\"\n";
  }
  const Limits& l = p.limits;
  if (l.max_memory_bytes || l.fuel || l.max_call_depth || l.timeout || l.cpu_time_seconds ||
      l.max_output_bytes) {
    out << "\n[limits]\n";
    if (l.max_memory_bytes) out << "memory = " << *l.max_memory_bytes << "\n";
    if (l.fuel) out << "fuel = " << *l.fuel << "\n";
    if (l.max_call_depth) out << "stack = " << *l.max_call_depth << "\n";
    if (l.timeout) out << "timeout = " << FormatTimeout(*l.timeout) << "\n";
    if (l.cpu_time_seconds) out << "cpu_time = " << *l.cpu_time_seconds << "\n";
    if (l.max_output_bytes) out << "output = " << *l.max_output_bytes << "\n";
  }
  return out.str();
}

Policy OverlayFlags(Policy file, const Policy& flags) {
  for (const DirGrant& g : flags.dirs) {
    bool replaced = false;
    for (DirGrant& existing : file.dirs) {
      if (existing.guest_path == g.guest_path) {
        existing = g;
        replaced = true;
      }
    }
    if (!replaced) file.dirs.push_back(g);
  }
  for (const std::string& kv : flags.env) {
    const std::string name = kv.substr(0, kv.find('='));
    std::erase_if(file.env, [&](const std::string& e) { return e.substr(0, e.find('=')) == name; });
    std::erase(file.env_pass, name);
    file.env.push_back(kv);
  }
  for (const std::string& name : flags.env_pass) {
    if (std::find(file.env_pass.begin(), file.env_pass.end(), name) == file.env_pass.end()) {
      file.env_pass.push_back(name);
    }
  }
  for (const DenyRule& r : flags.denies) file.denies.push_back(r);
  if (flags.limits.max_memory_bytes) file.limits.max_memory_bytes = flags.limits.max_memory_bytes;
  if (flags.limits.fuel) file.limits.fuel = flags.limits.fuel;
  if (flags.limits.max_call_depth) file.limits.max_call_depth = flags.limits.max_call_depth;
  if (flags.limits.timeout) file.limits.timeout = flags.limits.timeout;
  if (flags.limits.cpu_time_seconds) file.limits.cpu_time_seconds = flags.limits.cpu_time_seconds;
  if (flags.limits.max_output_bytes) file.limits.max_output_bytes = flags.limits.max_output_bytes;
  if (!flags.args.empty()) file.args = flags.args;
  if (!flags.audit_log.empty()) file.audit_log = flags.audit_log;
  for (const std::string& a : flags.tcp_listen) file.tcp_listen.push_back(a);
  return file;
}

}  // namespace capsa::policy
