#include "policy/rules.h"

#include "policy/wasi_rights.h"

namespace capsa::policy {

std::string GrantRuleLabel(size_t index, const DirGrant& grant) {
  std::string mode = grant.mode == DirMode::kRights ? "rights=" + RightsToNames(grant.rights)
                                                    : DirModeName(grant.mode);
  return "dir[" + std::to_string(index) + "] " + grant.guest_path + " " + mode;
}

std::string DenyRuleLabel(size_t index, const DenyRule& rule) {
  return "deny[" + std::to_string(index) + "] " + rule.pattern;
}

DenialCause ClassifyDenial(const DenialEvent& e) {
  if (!e.rule.empty() && e.rule.rfind("deny[", 0) == 0) return DenialCause::kDenyRule;
  if ((e.rights_needed & ~e.rights_held) != 0) {
    // A handle that does not exist holds nothing.
    return e.reason.find("is not open") != std::string::npos ? DenialCause::kNoGrant
                                                              : DenialCause::kMissingRights;
  }
  for (const char* word : {"escapes", "absolute", "magic link"}) {
    if (e.reason.find(word) != std::string::npos) return DenialCause::kEscape;
  }
  if (e.reason.find("is not open") != std::string::npos) return DenialCause::kNoGrant;
  return DenialCause::kOther;
}

const char* DenialCauseName(DenialCause cause) {
  switch (cause) {
    case DenialCause::kDenyRule: return "deny_rule";
    case DenialCause::kMissingRights: return "missing_rights";
    case DenialCause::kEscape: return "escape";
    case DenialCause::kNoGrant: return "no_grant";
    case DenialCause::kOther: return "other";
  }
  return "other";
}

std::optional<size_t> RuleBook::GrantFor(std::string_view guest_path) const {
  std::optional<std::string> normal = NormalizeGuestPathLexically(guest_path);
  // An escaping path ("/data/../x") still belongs to the grant it was tried on.
  std::optional<size_t> i = GrantIndexForGuestPath(policy_, normal ? *normal : guest_path);
  if (!i) i = GrantIndexForGuestPath(policy_, guest_path);
  return i;
}

std::string RuleBook::RuleFor(std::string_view guest_path) const {
  if (std::optional<size_t> i = GrantFor(guest_path)) {
    return GrantRuleLabel(*i, policy_.dirs[*i]);
  }
  return std::string(kNoGrantRule);
}

std::string RuleBook::RuleForDenial(const DenialEvent& e) const {
  if (!e.rule.empty()) return e.rule;
  if (e.guest_path.empty()) return std::string(kNoGrantRule);
  if (ClassifyDenial(e) == DenialCause::kNoGrant) return std::string(kNoGrantRule);
  return RuleFor(e.guest_path);
}

}  // namespace capsa::policy
