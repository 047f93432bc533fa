// Learn mode (`capsa suggest`): the minimal policy that would have allowed
// exactly what a run used, from its audit log.
//
// For every capability the run derived (path_open), the directory it needs
// is the opened directory itself, or a file's parent; it needs write access
// when the handle holds a right that only a write open gets (fd_write,
// fd_allocate, fd_filestat_set_size, fd_datasync — wasi-libc requests them
// only for O_WRONLY/O_RDWR). Needed directories under one grant are merged
// into their common ancestors where nested (policy files refuse nested
// grants) and become one [[dir]] each, mapped to the same host subdirectory.
// Grants never used are dropped (listed in a comment); each group of denials
// is listed as a commented-out candidate for review, never applied.
//
// What the audit log does not show is not suggested: env, args and limits
// (copy them), and directory operations that derive no handle (mkdir,
// unlink, stat, readdir on the preopen itself) — those keep the grant's
// root directory and, for mkdir/unlink, need a manual "rw".
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace capsa::policy {

// A TOML policy (policy_file.h) with comments.
std::string SuggestPolicy(const std::vector<nlohmann::json>& records);

}  // namespace capsa::policy
