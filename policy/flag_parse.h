// Parsing of the policy-related `capsa run` flag values. Pure functions: no
// I/O, no global state. Error messages are complete sentences for people and
// are pinned by tests/policy/flag_parse_test.cc.
//
//   --dir HOST[::GUEST][::ro|rw]
//       GUEST defaults to HOST; the mode defaults to ro. A mode needs an
//       explicit guest path ("HOST::ro" is refused as ambiguous: it would
//       otherwise name a guest directory "ro"). No part may be empty; the guest
//       path must be normalized: no empty, "." or ".." components, no trailing
//       slash ("." and "/" themselves are fine).
//   --env K=V        K is non-empty (so it cannot contain '='); V may be empty.
//   --max-memory N   bytes, with an optional K, M or G suffix (powers of 1024).
//   --fuel N         a positive fuel budget (the interpreter spends one unit per
//                    call and per loop iteration).
//   --max-stack N    the deepest wasm call nesting, in frames (1 to 10,000,000);
//                    one frame per active wasm function call, whatever its size.
//   --timeout S      seconds, up to millisecond precision ("1.5").
//
// No value may contain a NUL byte.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/base/result.h"
#include "policy/policy.h"

namespace capsa::policy {

Result<DirGrant> ParseDirFlag(std::string_view value);
// Parses `value` and appends it to policy.dirs; refuses a guest path that is
// already granted.
Result<void> AddDirFlag(Policy& policy, std::string_view value);

// Returns "K=V" unchanged once validated.
Result<std::string> ParseEnvFlag(std::string_view value);
// Parses and appends to policy.env; refuses a name that is already set.
Result<void> AddEnvFlag(Policy& policy, std::string_view value);

Result<uint64_t> ParseMemoryFlag(std::string_view value);
Result<uint64_t> ParseFuelFlag(std::string_view value);
Result<uint32_t> ParseStackFlag(std::string_view value);
Result<std::chrono::milliseconds> ParseTimeoutFlag(std::string_view value);

// True if `path` is a normalized guest path (see above).
bool IsNormalizedGuestPath(std::string_view path);
// The lexical normal form of a path without ".." components: empty and "."
// components dropped, no trailing slash; "" becomes ".".
std::string NormalizeGuestPath(std::string_view path);

}  // namespace capsa::policy
