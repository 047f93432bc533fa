#include "caps/walk_resolver.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "caps/errno_map.h"

namespace capsa::caps {
namespace {

// A link that flips between "symlink" and "not a symlink" under us is a race;
// a hostile host loop must not pin the broker (openat2's kMaxRetries twin).
constexpr int kMaxRaceRetries = 64;

PathStatus Fail(wasi::Errno e) { return PathStatus{e, PathRefusal::kNone}; }
PathStatus FailHost(int err) { return Fail(ErrnoFromHost(err)); }
PathStatus Refuse(PathRefusal why) { return PathStatus{wasi::Errno::kNotcapable, why}; }

class Walker {
 public:
  Walker(int root, std::string_view path) : root_(root), rest_(path) {}

  PathStatus Run(int open_flags, mode_t mode, UniqueFd* out);

 private:
  int top() const { return stack_.empty() ? root_ : stack_.back().get(); }

  // The link opened (O_PATH|O_NOFOLLOW) as `link`: refuses magic and absolute
  // links, then replaces the component by the target. `after` is what
  // followed the link's name (empty or starting with '/').
  PathStatus Splice(const UniqueFd& link, std::string after);
  // Classifies `name` beneath top() after a directory open said ENOTDIR or
  // ELOOP: pushes it if it is (now) a directory, splices it if a symlink.
  PathStatus StepSlow(const std::string& name, std::string after, bool* advanced);
  PathStatus Push(UniqueFd fd);

  const int root_;
  std::string rest_;
  std::vector<UniqueFd> stack_;  // directories opened beneath root_, deepest last
  int links_ = 0;
  int races_ = 0;
};

PathStatus Walker::Push(UniqueFd fd) {
  if (stack_.size() >= kMaxWalkDepth) return Fail(wasi::Errno::kNametoolong);
  stack_.push_back(std::move(fd));
  return {};
}

PathStatus Walker::Splice(const UniqueFd& link, std::string after) {
  struct statfs fs;
  if (fstatfs(link.get(), &fs) != 0) return FailHost(errno);
  if (fs.f_type == PROC_SUPER_MAGIC) return Refuse(PathRefusal::kMagicLink);
  if (++links_ > kMaxSymlinkFollows) return Fail(wasi::Errno::kLoop);
  char target[kMaxPathBytes + 1];
  const ssize_t n = readlinkat(link.get(), "", target, sizeof(target));
  if (n < 0) return FailHost(errno);
  if (static_cast<size_t>(n) > kMaxPathBytes) return Fail(wasi::Errno::kNametoolong);
  if (n == 0) return Fail(wasi::Errno::kNoent);
  if (target[0] == '/') return Refuse(PathRefusal::kEscape);
  rest_.assign(target, static_cast<size_t>(n));
  rest_ += after;
  return {};
}

PathStatus Walker::StepSlow(const std::string& name, std::string after, bool* advanced) {
  UniqueFd fd(openat(top(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return FailHost(errno);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return FailHost(errno);
  *advanced = true;
  if (S_ISDIR(st.st_mode)) {
    rest_ = std::move(after);
    return Push(std::move(fd));
  }
  if (S_ISLNK(st.st_mode)) return Splice(fd, std::move(after));
  return Fail(wasi::Errno::kNotdir);
}

PathStatus Walker::Run(int open_flags, mode_t mode, UniqueFd* out) {
  open_flags |= O_CLOEXEC;
  for (;;) {
    const size_t begin = rest_.find_first_not_of('/');
    if (begin == std::string::npos) {
      // Nothing left: the path named the directory on top ("a/..", "x/" after
      // a link to "."). The kernel answers "." as it would for that directory.
      const int fd = openat(top(), ".", open_flags, mode);
      if (fd < 0) return FailHost(errno);
      out->Reset(fd);
      return {};
    }
    const size_t end = rest_.find('/', begin);
    const std::string name = rest_.substr(begin, end - begin);
    std::string after = end == std::string::npos ? std::string() : rest_.substr(end);
    const bool last = after.find_first_not_of('/') == std::string::npos;
    if (name == ".") {
      rest_ = std::move(after);
      continue;
    }
    if (name == "..") {
      if (stack_.empty()) return Refuse(PathRefusal::kEscape);
      stack_.pop_back();
      rest_ = std::move(after);
      continue;
    }
    if (!last) {
      UniqueFd fd(openat(top(), name.c_str(), O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC));
      if (fd.valid()) {
        rest_ = std::move(after);
        if (PathStatus s = Push(std::move(fd)); !s.ok()) return s;
        continue;
      }
      const int err = errno;
      if (err != ENOTDIR && err != ELOOP) return FailHost(err);
      bool advanced = false;
      if (PathStatus s = StepSlow(name, std::move(after), &advanced); !s.ok()) return s;
      continue;
    }
    // The last component. A trailing slash makes Linux follow a final
    // symlink and require a directory, whatever O_NOFOLLOW says.
    const bool trailing_slash = !after.empty();
    const bool follow = trailing_slash || !(open_flags & O_NOFOLLOW);
    const int flags = open_flags | O_NOFOLLOW | (trailing_slash ? O_DIRECTORY : 0);
    const bool creates = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
    UniqueFd fd(openat(top(), name.c_str(), flags, creates ? mode : 0));
    if (fd.valid()) {
      if ((flags & O_PATH) && follow) {
        // O_PATH|O_NOFOLLOW opens a final symlink itself; follow it here.
        struct stat st;
        if (fstat(fd.get(), &st) != 0) return FailHost(errno);
        if (S_ISLNK(st.st_mode)) {
          if (PathStatus s = Splice(fd, std::move(after)); !s.ok()) return s;
          continue;
        }
      }
      *out = std::move(fd);
      return {};
    }
    const int err = errno;
    if (!follow || (err != ELOOP && err != ENOTDIR)) return FailHost(err);
    UniqueFd link(openat(top(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!link.valid()) return FailHost(errno);
    struct stat st;
    if (fstat(link.get(), &st) != 0) return FailHost(errno);
    if (S_ISLNK(st.st_mode)) {
      if (PathStatus s = Splice(link, std::move(after)); !s.ok()) return s;
      continue;
    }
    // Not a link: ENOTDIR was genuine; ELOOP means the entry changed under us.
    if (err == ENOTDIR) return FailHost(err);
    if (++races_ > kMaxRaceRetries) return Fail(wasi::Errno::kAgain);
  }
}

}  // namespace

PathStatus WalkOpenBeneath(int dir_fd, std::string_view path, int open_flags, mode_t mode,
                           UniqueFd* out) {
  Walker walker(dir_fd, path);
  return walker.Run(open_flags, mode, out);
}

}  // namespace capsa::caps
