#include "launcher/landlock.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "caps/unique_fd.h"

namespace capsa::launcher {
namespace {

// UAPI (include/uapi/linux/landlock.h, Linux 6.12+).
constexpr uint32_t kCreateRulesetVersion = 1u << 0;
constexpr int kRulePathBeneath = 1;

constexpr uint64_t kFsExecute = 1ull << 0;
constexpr uint64_t kFsWriteFile = 1ull << 1;
constexpr uint64_t kFsReadFile = 1ull << 2;
constexpr uint64_t kFsReadDir = 1ull << 3;
constexpr uint64_t kFsRemoveDir = 1ull << 4;
constexpr uint64_t kFsRemoveFile = 1ull << 5;
constexpr uint64_t kFsMakeChar = 1ull << 6;
constexpr uint64_t kFsMakeDir = 1ull << 7;
constexpr uint64_t kFsMakeReg = 1ull << 8;
constexpr uint64_t kFsMakeSock = 1ull << 9;
constexpr uint64_t kFsMakeFifo = 1ull << 10;
constexpr uint64_t kFsMakeBlock = 1ull << 11;
constexpr uint64_t kFsMakeSym = 1ull << 12;
constexpr uint64_t kFsRefer = 1ull << 13;     // ABI 2
constexpr uint64_t kFsTruncate = 1ull << 14;  // ABI 3
constexpr uint64_t kFsIoctlDev = 1ull << 15;  // ABI 5
constexpr uint64_t kFsAbi1 = (1ull << 13) - 1;

constexpr uint64_t kNetBindTcp = 1ull << 0;     // ABI 4
constexpr uint64_t kNetConnectTcp = 1ull << 1;  // ABI 4
constexpr uint64_t kScopeAbstractUnix = 1ull << 0;  // ABI 6
constexpr uint64_t kScopeSignal = 1ull << 1;        // ABI 6

struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

struct __attribute__((packed)) PathBeneathAttr {
  uint64_t allowed_access;
  int32_t parent_fd;
};

// The ruleset attribute's size for `abi`: older kernels reject unknown
// trailing fields, so pass only what they know.
size_t AttrSize(int abi) {
  if (abi >= 6) return sizeof(RulesetAttr);
  if (abi >= 4) return offsetof(RulesetAttr, scoped);
  return offsetof(RulesetAttr, handled_access_net);
}

Error LandlockError(const std::string& what, int err) {
  return MakeError(ErrorCode::kInternal, "landlock: " + what + ": " + strerrordesc_np(err));
}

}  // namespace

int LandlockAbi() {
  long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
  return abi > 0 ? static_cast<int>(abi) : 0;
}

LandlockHandled LandlockHandledFor(int abi) {
  LandlockHandled h;
  if (abi < 1) return h;
  h.fs = kFsAbi1;
  if (abi >= 2) h.fs |= kFsRefer;
  if (abi >= 3) h.fs |= kFsTruncate;
  if (abi >= 4) h.net = kNetBindTcp | kNetConnectTcp;
  if (abi >= 5) h.fs |= kFsIoctlDev;
  if (abi >= 6) h.scoped = kScopeAbstractUnix | kScopeSignal;
  return h;
}

uint64_t LandlockTreeAccess(policy::DirMode mode, int abi) {
  uint64_t access = kFsReadFile | kFsReadDir;
  if (mode == policy::DirMode::kReadWrite) {
    access |= kFsWriteFile | kFsRemoveDir | kFsRemoveFile | kFsMakeDir | kFsMakeReg | kFsMakeSym |
              kFsRefer | kFsTruncate;
  }
  // Never granted: execute, device/fifo/socket nodes, device ioctls.
  (void)kFsExecute, (void)kFsMakeChar, (void)kFsMakeSock, (void)kFsMakeFifo, (void)kFsMakeBlock;
  return access & LandlockHandledFor(abi).fs;
}

Result<LandlockResult> RestrictSelf(const std::vector<LandlockTree>& trees) {
  const int abi = LandlockAbi();
  if (abi == 0) return LandlockResult::kUnsupported;
  const LandlockHandled handled = LandlockHandledFor(abi);
  RulesetAttr attr{handled.fs, handled.net, handled.scoped};
  caps::UniqueFd ruleset(
      static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, AttrSize(abi), 0u)));
  if (!ruleset.valid()) return LandlockError("create_ruleset", errno);
  for (const LandlockTree& tree : trees) {
    PathBeneathAttr rule{LandlockTreeAccess(tree.mode, abi), tree.dir_fd};
    if (syscall(SYS_landlock_add_rule, ruleset.get(), kRulePathBeneath, &rule, 0u) != 0) {
      return LandlockError("add_rule for fd " + std::to_string(tree.dir_fd), errno);
    }
  }
  if (syscall(SYS_landlock_restrict_self, ruleset.get(), 0u) != 0) {
    return LandlockError("restrict_self", errno);
  }
  return LandlockResult::kApplied;
}

std::string DescribeLandlock(int abi) {
  if (abi == 0) return "not available";
  const LandlockHandled h = LandlockHandledFor(abi);
  std::string s = "ABI " + std::to_string(abi) + " (files";
  if (h.net != 0) s += ", tcp bind/connect";
  if (h.scoped != 0) s += ", signal and abstract-socket scoping";
  return s + ")";
}

}  // namespace capsa::launcher
