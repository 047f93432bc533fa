// Safe path resolution beneath a directory handle (DESIGN.md invariant 3).
//
// Two resolvers with one contract (ResolverKind below): the walk lives in
// caps/walk_resolver.h; what follows describes the openat2 one. Every lookup
// is one openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) relative to the
// handle's real fd, so the kernel itself refuses "..", absolute paths,
// absolute symlinks, symlinks that climb out and /proc magic links (EXDEV),
// atomically with respect to concurrent renames (EAGAIN, retried a bounded
// number of times). Intermediate symlinks that stay inside are followed; the
// last component is followed only with lookupflags.symlink_follow (else
// O_NOFOLLOW, which answers ELOOP for a symlink, as Linux and wasmtime do).
//
// Errno choices (wasmtime answers some of these with EPERM; capsa picks
// ENOTCAPABLE so that every escape attempt reads the same to the guest and in
// the audit log):
//   empty path                 -> ENOENT
//   NUL byte in path           -> EINVAL
//   path longer than 4096      -> ENAMETOOLONG
//   absolute path              -> ENOTCAPABLE (refusal, never reaches the kernel)
//   kernel EXDEV (escape)      -> ENOTCAPABLE (refusal)
//   /proc magic link           -> ENOTCAPABLE (refusal; the kernel says ELOOP under
//                                 RESOLVE_NO_MAGICLINKS, so an ELOOP is re-probed once
//                                 with O_PATH and RESOLVE_BENEATH alone, which answers
//                                 EXDEV for a magic link and ELOOP for a real loop)
//   symlink loop               -> ELOOP
//   EAGAIN after kMaxRetries   -> EAGAIN
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "caps/unique_fd.h"
#include "engine/wasi/wasi_types.h"

namespace capsa::caps {

inline constexpr size_t kMaxPathBytes = 4096;

// Why a lookup was refused as a capability violation (an escape attempt).
enum class PathRefusal : uint8_t { kNone, kAbsolute, kEscape, kMagicLink };
const char* PathRefusalReason(PathRefusal refusal);

struct PathStatus {
  wasi::Errno error = wasi::Errno::kSuccess;
  PathRefusal refusal = PathRefusal::kNone;  // set iff error == kNotcapable
  bool ok() const { return error == wasi::Errno::kSuccess; }
};

// Which resolver OpenBeneath uses (DESIGN.md invariant 3):
//   kOpenat2  openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), Linux >= 5.6;
//   kWalk     the component-by-component walk of caps/walk_resolver.h;
//   kAuto     kOpenat2, switching to kWalk for the rest of the process the
//             first time openat2 answers ENOSYS (old kernel, or a seccomp
//             filter around the broker that does not know the syscall).
enum class ResolverKind : uint8_t { kAuto, kOpenat2, kWalk };
const char* ResolverKindName(ResolverKind kind);
// "openat2", "walk", "auto" -> kind; nullopt for anything else.
std::optional<ResolverKind> ParseResolverKind(std::string_view name);
// Tests only: CAPSA_RESOLVER=walk|openat2|auto in the environment, else kAuto.
// Unknown values are reported (spdlog error) and read as kAuto.
ResolverKind ResolverKindFromEnvironment();

// The resolver OpenBeneath/OpenParentBeneath use on the calling thread. The
// broker runs on one thread, and tests run one broker per thread, so the
// choice is per thread (the default is kAuto); BrokerSession sets it from
// BrokerConfig::resolver when it starts.
void SetThreadResolver(ResolverKind kind);
ResolverKind ThreadResolver();
// The resolver OpenBeneath uses on this thread now: kOpenat2 or kWalk, never
// kAuto (kAuto reads as kWalk once openat2 has answered ENOSYS in this
// process). For diagnostics and tests.
ResolverKind EffectiveResolver();

// Syntax checks done before any syscall (pure).
PathStatus CheckGuestPath(std::string_view path);

// Opens `path` beneath dir_fd with the thread's resolver (openat2(dir_fd, path,
// open_flags, mode) or the walk). `open_flags` carries O_NOFOLLOW when the
// last component must not be followed.
PathStatus OpenBeneath(int dir_fd, std::string_view path, int open_flags, mode_t mode,
                       UniqueFd* out);

// The last component of a path whose entry is created or removed.
enum class EntryKind : uint8_t { kName, kDot, kDotDot };

// For mkdir/rmdir/unlink: opens the parent directory of `path` beneath dir_fd
// (O_PATH|O_DIRECTORY) and yields the final component (which may keep trailing
// slashes; it never contains another '/'). `parent` stays invalid when the
// parent is dir_fd itself: use ParentEntry::dir(). For "." and ".." the whole
// path is resolved once to refuse escapes, and kind says which it was.
struct ParentEntry {
  UniqueFd parent;
  int dir_fd = -1;
  std::string name;
  EntryKind kind = EntryKind::kName;
  int dir() const { return parent.valid() ? parent.get() : dir_fd; }
};
PathStatus OpenParentBeneath(int dir_fd, std::string_view path, ParentEntry* out);

// Host path for logs: base + "/" + relative (no filesystem access).
std::string JoinHostPath(std::string_view base, std::string_view relative);

// The path a guest named, for logs: `relative` beneath the handle's guest path,
// or `relative` itself when the guest wrote an absolute path (which is refused;
// "/data//etc/passwd" would misstate what it asked for).
std::string JoinGuestPath(std::string_view base, std::string_view relative);

}  // namespace capsa::caps
