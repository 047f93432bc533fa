// The policy model: what a run is granted. Plain data, filled by the CLI
// (flag_parse.h) or, later, a policy file; consumed by the launcher, which
// turns each grant into an opened handle for the broker.
//
// Every field here is enforced by the launcher or rejected before the run
// starts (STYLE.md: no parsed-and-ignored options).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace capsa::policy {

enum class DirMode : uint8_t {
  kReadOnly,   // read files and list directories beneath the preopen
  kReadWrite,  // also create, write, rename and remove beneath it
};

// "ro" / "rw": the spelling used on the command line and in the audit log.
const char* DirModeName(DirMode mode);

struct DirGrant {
  std::string host_path;   // opened once by the launcher, never re-opened by name
  std::string guest_path;  // the preopen's name inside the guest (normalized)
  DirMode mode = DirMode::kReadOnly;
};

struct Limits {
  std::optional<uint64_t> max_memory_bytes;  // cap on linear memory 0
  std::optional<uint64_t> fuel;              // instruction budget
  std::optional<std::chrono::milliseconds> timeout;  // wall clock, whole run
};

struct Policy {
  std::vector<DirGrant> dirs;     // preopens, guest fds 3, 4, ... in order
  std::vector<std::string> env;   // "K=V", names unique
  std::vector<std::string> args;  // guest argv, argv[0] first
  Limits limits;
};

// The grant whose guest path is `guest_path`, or null.
const DirGrant* FindDirByGuestPath(const Policy& policy, std::string_view guest_path);

}  // namespace capsa::policy
