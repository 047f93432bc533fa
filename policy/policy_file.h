// Policy files (TOML, schema version 1; the syntax is documented in
// man/capsa-policy.5):
//
//   version = 1
//   args = ["--verbose"]            # guest ARGS after argv[0]
//   env_pass = ["HOME"]             # copied from capsa's environment if set
//   audit_log = "run.jsonl"         # as --audit-log
//   [env]                           # explicit values, as --env
//   LANG = "C"
//   [[dir]]                         # as --dir; guest defaults to host
//   host = "/srv/in"
//   guest = "/data"
//   mode = "ro"                     # "ro" (default) | "rw"; or instead:
//   # rights = ["path_open", "fd_read", "fd_readdir"]
//   [[deny]]
//   path = "/data/secret/*"         # refused although /data is granted
//   [stdio]
//   stdin = "null"                  # "inherit" (default) | "null"; also stdout, stderr
//   [limits]
//   memory = "64M"                  # as --max-memory (or an integer of bytes)
//   fuel = 1000000                  # as --fuel
//   timeout = 1.5                   # as --timeout, seconds
//
// Parsing is strict: unknown keys and tables, wrong types, bad values, the
// same guest path twice, nested guest paths, and deny rules outside every
// grant are errors, each located as "FILE:LINE:COL: error: WHAT" followed by
// the offending line and a caret. `[[tcplisten]] address = "HOST:PORT"` is
// --tcplisten (the launcher checks its syntax).
//
// Pure except LoadPolicyFile, which reads the file.
#pragma once

#include <string>
#include <string_view>

#include "engine/base/result.h"
#include "policy/policy.h"

namespace capsa::policy {

// `policy.args` holds the file's `args` (without argv[0]).
Result<Policy> ParsePolicyToml(std::string_view text, std::string_view file_name);
Result<Policy> LoadPolicyFile(const std::string& path);

// The effective policy as a policy file that ParsePolicyToml reads back to
// the same Policy. `policy.args` is written as given (without argv[0]).
std::string FormatPolicyToml(const Policy& policy);

// Flags override the file: `flags` was filled from the command line alone
// (its args are the guest ARGS without argv[0], empty if none were given).
// A flag grant replaces the file grant with the same guest path; a flag env
// replaces the file value of that name; set limits replace; non-empty args
// replace; a non-empty audit log replaces.
Policy OverlayFlags(Policy file, const Policy& flags);

// TOML basic-string quoting ("a\"b").
std::string TomlQuote(std::string_view s);

}  // namespace capsa::policy
