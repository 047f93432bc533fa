// RuleBook: names the policy rule behind every decision, for the audit log
// ("rule" field), the stderr denial lines and `capsa logs`:
//   "dir[0] /data ro"          a grant (index in Policy::dirs, guest path, mode)
//   "deny[1] /data/secret/*"   a deny rule (index in Policy::denies, pattern)
//   "default: no grant"        nothing granted the resource
//   "stdio"                    guest fds 0-2
// Pure; copies the policy it is built from.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "policy/events.h"
#include "policy/policy.h"

namespace capsa::policy {

inline constexpr std::string_view kNoGrantRule = "default: no grant";

std::string GrantRuleLabel(size_t index, const DirGrant& grant);
std::string DenyRuleLabel(size_t index, const DenyRule& rule);

// Why a denial happened, as the reports group it.
enum class DenialCause : uint8_t {
  kDenyRule,      // a [[deny]] rule matched (event.rule names it)
  kMissingRights, // the handle lacks rights the operation needs
  kEscape,        // the path leaves its preopen (.., absolute, symlink out, magic link)
  kNoGrant,       // no such fd / nothing granted
  kOther,         // memory range and other protocol-level refusals
};
DenialCause ClassifyDenial(const DenialEvent& e);
const char* DenialCauseName(DenialCause cause);

class RuleBook {
 public:
  explicit RuleBook(Policy policy) : policy_(std::move(policy)) {}

  const Policy& policy() const { return policy_; }
  // The grant whose tree holds `guest_path` (longest match), if any.
  std::optional<size_t> GrantFor(std::string_view guest_path) const;
  // The label of that grant, or kNoGrantRule.
  std::string RuleFor(std::string_view guest_path) const;
  // The rule that decided a denial: its deny rule, else the grant the path
  // falls under, else kNoGrantRule.
  std::string RuleForDenial(const DenialEvent& e) const;

 private:
  Policy policy_;
};

}  // namespace capsa::policy
