#include "policy/policy.h"

namespace capsa::policy {

const char* DirModeName(DirMode mode) {
  switch (mode) {
    case DirMode::kReadOnly: return "ro";
    case DirMode::kReadWrite: return "rw";
  }
  return "?";
}

const DirGrant* FindDirByGuestPath(const Policy& policy, std::string_view guest_path) {
  for (const DirGrant& grant : policy.dirs) {
    if (grant.guest_path == guest_path) return &grant;
  }
  return nullptr;
}

}  // namespace capsa::policy
