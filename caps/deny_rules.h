// Deny rules in the broker: paths inside a granted tree that the policy
// refuses anyway ([[deny]] in capsa-policy(5); deny beats allow).
//
// Checked twice for every path operation:
//  - lexically, before any syscall: the guest path (the directory handle's
//    guest path + the requested path, ".." applied) against each pattern;
//  - on the resolved object, after the kernel opened it beneath the handle:
//    its real location (/proc/self/fd) mapped back to a guest path through
//    the preopen it lies under, so a symlink inside the grant that points
//    into a denied subtree is refused too.
// Residual gap, documented in capsa-policy(5): a path_open with O_CREAT whose
// last component is a symlink into a denied subtree creates the (empty)
// target before the resolved check refuses the handle.
//
// Patterns are fnmatch(3) globs with FNM_PATHNAME; a pattern that matches a
// directory refuses everything beneath it (policy::MatchDenyRule).
// Not thread-safe; the broker's single thread owns it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.h"

namespace capsa::caps {

class DenyRules {
 public:
  explicit DenyRules(std::vector<policy::DenyRule> rules) : rules_(std::move(rules)) {}

  bool empty() const { return rules_.empty(); }
  // Start-up: remembers where the preopen `fd` (named `guest_path`) really is.
  void AddPreopen(int fd, const std::string& guest_path);

  // The rule refusing `path` looked up beneath a handle named
  // `dir_guest_path`, judged lexically.
  std::optional<size_t> MatchLexical(std::string_view dir_guest_path, std::string_view path) const;
  // The rule refusing the object open at `fd` (plus `name` when `fd` is the
  // parent directory of the entry), judged by where it really is.
  std::optional<size_t> MatchResolved(int fd, std::string_view name = "") const;

  // The rule with a denied path strictly beneath `path` (looked up beneath a
  // handle named `dir_guest_path`), judged lexically component by component.
  // Renaming or linking such an ancestor would move the denied subtree to a
  // name no rule covers, so the broker refuses it as the source of rename/link.
  std::optional<size_t> MatchBeneathLexical(std::string_view dir_guest_path,
                                            std::string_view path) const;

  // "deny[1] /data/secret/*"
  std::string Label(size_t index) const;

 private:
  struct Root {
    std::string host_real;  // realpath of the preopen
    std::string guest;
  };
  std::vector<policy::DenyRule> rules_;
  std::vector<Root> roots_;
};

}  // namespace capsa::caps
