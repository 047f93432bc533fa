#include "caps/path_resolver.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "caps/errno_map.h"
#include "caps/walk_resolver.h"

namespace capsa::caps {
namespace {

// openat2 answers EAGAIN when a rename raced with the lookup; a real race ends
// within a few tries, a hostile rename loop must not pin the broker forever.
constexpr int kMaxRetries = 64;

PathStatus Fail(wasi::Errno e) { return PathStatus{e, PathRefusal::kNone}; }
PathStatus Refuse(PathRefusal why) { return PathStatus{wasi::Errno::kNotcapable, why}; }

// After ELOOP under RESOLVE_NO_MAGICLINKS: was it a magic link or a loop?
// O_PATH opens nothing and creates nothing; RESOLVE_BENEATH alone still
// refuses magic links (as a scoped lookup) but with EXDEV.
bool IsMagicLink(int dir_fd, const char* path, int open_flags) {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC | (open_flags & (O_NOFOLLOW | O_DIRECTORY));
  how.resolve = RESOLVE_BENEATH;
  const long fd = syscall(SYS_openat2, dir_fd, path, &how, sizeof(how));
  if (fd >= 0) {
    close(static_cast<int>(fd));
    return false;
  }
  return errno == EXDEV;
}

thread_local ResolverKind thread_resolver = ResolverKind::kAuto;
// Set once openat2 answered ENOSYS: kAuto walks from then on.
std::atomic<bool> openat2_missing{false};

// The openat2 branch of OpenBeneath. ENOSYS is passed up as is.
PathStatus Openat2Beneath(int dir_fd, const std::string& c_path, int open_flags, mode_t mode,
                          UniqueFd* out, int* host_errno) {
  open_how how{};
  how.flags = static_cast<uint64_t>(open_flags) | O_CLOEXEC;
  // O_TMPFILE includes the O_DIRECTORY bit: test it whole. openat2 refuses a
  // mode without a file being created.
  const bool creates = (open_flags & O_CREAT) || (open_flags & O_TMPFILE) == O_TMPFILE;
  how.mode = creates ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  *host_errno = 0;
  for (int attempt = 0; attempt < kMaxRetries; ++attempt) {
    const long fd = syscall(SYS_openat2, dir_fd, c_path.c_str(), &how, sizeof(how));
    if (fd >= 0) {
      out->Reset(static_cast<int>(fd));
      return {};
    }
    const int err = errno;
    if (err == EAGAIN || err == EINTR) continue;
    *host_errno = err;
    if (err == EXDEV) return Refuse(PathRefusal::kEscape);
    if (err == ELOOP && IsMagicLink(dir_fd, c_path.c_str(), open_flags)) {
      return Refuse(PathRefusal::kMagicLink);
    }
    return Fail(ErrnoFromHost(err));
  }
  return Fail(wasi::Errno::kAgain);
}

std::string_view StripTrailingSlashes(std::string_view s) {
  while (s.size() > 1 && s.back() == '/') s.remove_suffix(1);
  return s;
}

}  // namespace

const char* ResolverKindName(ResolverKind kind) {
  switch (kind) {
    case ResolverKind::kAuto: return "auto";
    case ResolverKind::kOpenat2: return "openat2";
    case ResolverKind::kWalk: return "walk";
  }
  return "?";
}

std::optional<ResolverKind> ParseResolverKind(std::string_view name) {
  for (ResolverKind k : {ResolverKind::kAuto, ResolverKind::kOpenat2, ResolverKind::kWalk}) {
    if (name == ResolverKindName(k)) return k;
  }
  return std::nullopt;
}

ResolverKind ResolverKindFromEnvironment() {
  const char* value = std::getenv("CAPSA_RESOLVER");
  if (value == nullptr || *value == '\0') return ResolverKind::kAuto;
  if (std::optional<ResolverKind> k = ParseResolverKind(value)) return *k;
  spdlog::error("CAPSA_RESOLVER={} is not openat2, walk or auto; using auto", value);
  return ResolverKind::kAuto;
}

void SetThreadResolver(ResolverKind kind) { thread_resolver = kind; }
ResolverKind ThreadResolver() { return thread_resolver; }

ResolverKind EffectiveResolver() {
  if (thread_resolver != ResolverKind::kAuto) return thread_resolver;
  return openat2_missing.load(std::memory_order_relaxed) ? ResolverKind::kWalk
                                                         : ResolverKind::kOpenat2;
}

const char* PathRefusalReason(PathRefusal refusal) {
  switch (refusal) {
    case PathRefusal::kNone: return "";
    case PathRefusal::kAbsolute: return "absolute paths are not capabilities; name a preopen-relative path";
    case PathRefusal::kEscape: return "path escapes the preopen (.., absolute symlink or symlink out)";
    case PathRefusal::kMagicLink: return "path crosses a /proc magic link";
  }
  return "";
}

PathStatus CheckGuestPath(std::string_view path) {
  if (path.empty()) return Fail(wasi::Errno::kNoent);
  if (path.find('\0') != std::string_view::npos) return Fail(wasi::Errno::kInval);
  if (path.size() > kMaxPathBytes) return Fail(wasi::Errno::kNametoolong);
  if (path.front() == '/') return Refuse(PathRefusal::kAbsolute);
  return {};
}

PathStatus OpenBeneath(int dir_fd, std::string_view path, int open_flags, mode_t mode,
                       UniqueFd* out) {
  PathStatus status = CheckGuestPath(path);
  if (!status.ok()) return status;
  ResolverKind kind = thread_resolver;
  if (kind == ResolverKind::kAuto && openat2_missing.load(std::memory_order_relaxed)) {
    kind = ResolverKind::kWalk;
  }
  if (kind == ResolverKind::kWalk) return WalkOpenBeneath(dir_fd, path, open_flags, mode, out);
  const std::string c_path(path);  // NUL-terminated copy for the kernel
  int host_errno = 0;
  status = Openat2Beneath(dir_fd, c_path, open_flags, mode, out, &host_errno);
  if (host_errno == ENOSYS && kind == ResolverKind::kAuto) {
    if (!openat2_missing.exchange(true)) {
      spdlog::warn("openat2 is not available (ENOSYS); resolving paths component by component");
    }
    return WalkOpenBeneath(dir_fd, path, open_flags, mode, out);
  }
  return status;
}

PathStatus OpenParentBeneath(int dir_fd, std::string_view path, ParentEntry* out) {
  PathStatus status = CheckGuestPath(path);
  if (!status.ok()) return status;
  out->dir_fd = dir_fd;
  const std::string_view trimmed = StripTrailingSlashes(path);
  const size_t slash = trimmed.rfind('/');
  const std::string_view parent =
      slash == std::string_view::npos ? std::string_view() : path.substr(0, slash + 1);
  out->name = std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
  const std::string_view bare = StripTrailingSlashes(out->name);
  out->kind = bare == "." ? EntryKind::kDot : bare == ".." ? EntryKind::kDotDot : EntryKind::kName;
  if (out->kind != EntryKind::kName) {
    // The entry is a directory the path names as a whole: resolve it once so
    // that "../.." is refused as an escape rather than answered by the kernel.
    UniqueFd whole;
    return OpenBeneath(dir_fd, path, O_PATH | O_DIRECTORY, 0, &whole);
  }
  if (parent.empty()) return {};
  return OpenBeneath(dir_fd, parent, O_PATH | O_DIRECTORY, 0, &out->parent);
}

std::string JoinHostPath(std::string_view base, std::string_view relative) {
  std::string out(base);
  if (relative.empty() || relative == ".") return out;
  if (!out.empty() && out.back() != '/') out += '/';
  out += relative;
  return out;
}

std::string JoinGuestPath(std::string_view base, std::string_view relative) {
  if (!relative.empty() && relative.front() == '/') return std::string(relative);
  return JoinHostPath(base, relative);
}

}  // namespace capsa::caps
