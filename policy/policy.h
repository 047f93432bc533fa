// The policy model: what a run is granted. Plain data, filled by the CLI
// (flag_parse.h) and/or a policy file (policy_file.h); consumed by the
// launcher, which turns each grant into an opened handle for the broker, and
// by the broker, which enforces the deny rules.
//
// Every field here is enforced by the launcher or rejected before the run
// starts (STYLE.md: no parsed-and-ignored options).
#pragma once

#include <chrono>
#include <functional>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace capsa::policy {

enum class DirMode : uint8_t {
  kReadOnly,   // read files and list directories beneath the preopen
  kReadWrite,  // also create, write, rename and remove beneath it
  kRights,     // exactly the WASI rights in DirGrant::rights (policy files only)
};

// "ro" / "rw" / "rights": the spelling used on the command line and in the
// audit log.
const char* DirModeName(DirMode mode);

struct DirGrant {
  std::string host_path;   // opened once by the launcher, never re-opened by name
  std::string guest_path;  // the preopen's name inside the guest (normalized)
  DirMode mode = DirMode::kReadOnly;
  // kRights only: the WASI rights bits (wasi_rights.h) the grant may use; the
  // handle gets the read-write set masked by these, for the directory itself
  // and for everything opened beneath it.
  uint64_t rights = 0;
};

// A guest path or glob (fnmatch(3), FNM_PATHNAME: '*' does not cross '/')
// inside a granted tree that is refused even though its parent is granted.
// A rule that matches a directory also refuses everything beneath it.
struct DenyRule {
  std::string pattern;
};

// Where the guest's standard streams come from / go to.
enum class StdioMode : uint8_t {
  kInherit,  // capsa's own stdin/stdout/stderr
  kNull,     // /dev/null
};
const char* StdioModeName(StdioMode mode);

struct Stdio {
  StdioMode in = StdioMode::kInherit;
  StdioMode out = StdioMode::kInherit;
  StdioMode err = StdioMode::kInherit;
};

struct Limits {
  std::optional<uint64_t> max_memory_bytes;  // cap on linear memory 0
  std::optional<uint64_t> fuel;              // instruction budget
  std::optional<uint32_t> max_call_depth;    // --max-stack: wasm call frames
  std::optional<std::chrono::milliseconds> timeout;  // wall clock, whole run
  std::optional<uint64_t> cpu_time_seconds;  // worker CPU time (RLIMIT_CPU)
  std::optional<uint64_t> max_output_bytes;  // stdout + stderr, enforced by the broker
};

struct Policy {
  std::vector<DirGrant> dirs;       // preopens, guest fds 3, 4, ... in order
  std::vector<DenyRule> denies;     // each inside some grant's tree
  std::vector<std::string> env;     // "K=V", names unique
  std::vector<std::string> env_pass;  // names copied from capsa's environment at start
  std::vector<std::string> args;    // guest argv, argv[0] first
  Stdio stdio;
  Limits limits;
  std::string audit_log;            // "" : none (the --audit-log flag's equivalent)
  // [[tcplisten]] address = "HOST:PORT" (--tcplisten); the launcher checks
  // the syntax and binds them (launcher/tcp_listen.h).
  std::vector<std::string> tcp_listen;
};

// The grant whose guest path is `guest_path`, or null.
const DirGrant* FindDirByGuestPath(const Policy& policy, std::string_view guest_path);

// True if `path` lies in the tree of the grant named `grant_guest_path`:
// equal to it or beneath it ("/data" holds "/data/x", not "/database").
bool IsInGuestTree(std::string_view grant_guest_path, std::string_view path);

// Index of the grant whose tree holds `guest_path` (longest match), if any.
std::optional<size_t> GrantIndexForGuestPath(const Policy& policy, std::string_view guest_path);

// Index of the first deny rule that refuses `guest_path` (the rule's pattern
// matches the path or one of its ancestors), if any. Lexical: the caller
// passes a normalized path (NormalizeGuestPathLexically).
std::optional<size_t> MatchDenyRule(const std::vector<DenyRule>& denies,
                                    std::string_view guest_path);

// `path` with "." and empty components dropped and ".." applied lexically.
// Returns nullopt when ".." would climb above the start.
std::optional<std::string> NormalizeGuestPathLexically(std::string_view path);

// The environment the guest receives: `env`, then each `env_pass` name that
// is set in `lookup` (a getenv-like function; unset names are skipped).
std::vector<std::string> EffectiveEnv(const Policy& policy,
                                      const std::function<const char*(const char*)>& lookup);

}  // namespace capsa::policy
