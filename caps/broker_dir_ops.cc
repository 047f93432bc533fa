// Directory-entry handlers: fd_readdir, path_link, path_rename, path_symlink,
// path_readlink, path_filestat_set_times.
//
// Every entry op follows one rule: the parent directory of each path is opened
// beneath its own directory handle (caps/path_resolver, openat2 with
// RESOLVE_BENEATH), and the *at() syscall then names only the final component,
// which never contains a '/' and is never "." or "..". So no guest path
// reaches the kernel unresolved, and the two sides of rename/link are each
// confined to their own handle.
//
// Decisions (wasmtime's behaviour on Linux unless said otherwise):
// - fd_readdir cookies are the kernel's d_off positions (getdents64 on a fresh
//   descriptor of the directory, lseek to the cookie), so a cookie stays valid
//   across calls and across concurrent changes; "." and ".." are listed. The
//   entries are packed straight into guest memory through the broker's own
//   mapping (no copy through the reply), the last one cut at buf_len as
//   wasmtime does: bufused == buf_len means "call again from the last whole
//   entry's cookie", bufused < buf_len means the directory ended.
// - path_link with symlink_follow is EINVAL (wasmtime): following the final
//   symlink in linkat() would not stay beneath the handle.
// - path_symlink refuses an absolute target (ENOTCAPABLE, logged): it could
//   never be followed inside the sandbox and would point host programs that
//   share the directory outside it. Relative targets are stored verbatim; the
//   resolver refuses them later if they lead out.
// - "." or ".." as the final component: rename EBUSY, link EPERM (source) /
//   EEXIST (destination), symlink EEXIST, readlink EINVAL — what Linux answers.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <span>
#include <string>
#include <utility>

#include "caps/broker_session.h"
#include "caps/errno_map.h"
#include "caps/host_stat.h"
#include "caps/path_resolver.h"

namespace capsa::caps {

namespace right = wasi::right;
using wasi::Errno;

namespace {

wasi::FileType FromDType(int dir_fd, const char* name, unsigned char d_type) {
  switch (d_type) {
    case DT_REG: return wasi::FileType::kRegularFile;
    case DT_DIR: return wasi::FileType::kDirectory;
    case DT_CHR: return wasi::FileType::kCharacterDevice;
    case DT_BLK: return wasi::FileType::kBlockDevice;
    case DT_LNK: return wasi::FileType::kSymbolicLink;
    case DT_SOCK: return wasi::FileType::kSocketStream;
    case DT_FIFO: return wasi::FileType::kUnknown;
    default: break;
  }
  struct stat st;
  if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return wasi::FileType::kUnknown;
  return (st.st_mode & S_IFMT) == S_IFSOCK ? wasi::FileType::kSocketStream
                                            : FileTypeOf(-1, st.st_mode);
}

timespec TimeSpec(wasi::Timestamp t, bool set, bool now) {
  if (now) return timespec{0, UTIME_NOW};
  if (!set) return timespec{0, UTIME_OMIT};
  return timespec{static_cast<time_t>(t / 1'000'000'000ull),
                  static_cast<long>(t % 1'000'000'000ull)};
}

}  // namespace

void BrokerSession::TimesFromFlags(uint64_t atim, uint64_t mtim, uint16_t flags,
                                   timespec out[2]) {
  out[0] = TimeSpec(atim, flags & wasi::fstflag::kAtim, flags & wasi::fstflag::kAtimNow);
  out[1] = TimeSpec(mtim, flags & wasi::fstflag::kMtim, flags & wasi::fstflag::kMtimNow);
}

Errno BrokerSession::ResolveEntry(wire::Op op, wasi::Fd fd, std::string_view path,
                                  wasi::Rights needed, ParentEntry* entry,
                                  std::string* host_path) {
  Errno error;
  Handle* dir = Lookup(op, fd, needed, path, &error);
  if (dir == nullptr) return error;
  if (dir->type != wasi::FileType::kDirectory) return Errno::kNotdir;
  *host_path = JoinHostPath(dir->host_path, path);
  const PathStatus status = OpenParentBeneath(dir->fd.get(), path, entry);
  if (status.refusal != PathRefusal::kNone) {
    return Deny(op, JoinGuestPath(dir->guest_path, path), *host_path, dir->rights_base, needed,
                status.error, PathRefusalReason(status.refusal));
  }
  if (!status.ok()) return status.error;
  // Deny rules cover every side of a two-path operation (deny beats allow).
  return CheckDenyRules(op, *dir, path, needed, entry->dir(), entry->name);
}

Errno BrokerSession::FdReaddir(const wire::Request& r, ReplyBody* out) {
  const auto a = r.As<wire::ReaddirArgs>();
  Errno error;
  Handle* h = Lookup(r.op, a.fd, right::kFdReaddir, "", &error);
  if (h == nullptr) return error;
  if (h->type != wasi::FileType::kDirectory) return Errno::kNotdir;
  // The buffer is checked against the memory size the broker observes, like
  // fd_read's iovecs; the entries are then written straight into it.
  uint8_t* base = memory_.Access(a.buf, a.buf_len);
  if (base == nullptr) {
    return Deny(r.op, "", h->host_path, h->rights_base, right::kFdReaddir, Errno::kFault,
                "readdir buffer [" + std::to_string(a.buf) + ", +" + std::to_string(a.buf_len) +
                    ") lies outside the linear memory (" +
                    std::to_string(memory_.mapped_bytes()) + " bytes observed)");
  }
  const std::span<uint8_t> buf(base, a.buf_len);
  size_t used = 0;
  // No d_off is above LLONG_MAX: such a cookie is past the end.
  if (buf.empty() || a.cookie > static_cast<uint64_t>(LLONG_MAX)) {
    out->Set(wire::SizeResult{0, 0});
    return Errno::kSuccess;
  }
  // A private descriptor: its position is ours alone, and the handle may be O_PATH.
  UniqueFd dir(openat(h->fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return ErrnoFromHost(errno);
  if (lseek(dir.get(), static_cast<off_t>(a.cookie), SEEK_SET) < 0) return ErrnoFromHost(errno);
  alignas(8) char entries[8192];
  for (bool room = true; room;) {
    const long n = getdents64(dir.get(), entries, sizeof(entries));
    if (n < 0) return ErrnoFromHost(errno);
    if (n == 0) break;  // the end: used < buf.size() tells the guest so
    for (long at = 0; at < n && room;) {
      const auto* d = reinterpret_cast<const dirent64*>(entries + at);
      at += d->d_reclen;
      const wasi::DirEntryView entry{static_cast<uint64_t>(d->d_off), d->d_ino,
                                     FromDType(dir.get(), d->d_name, d->d_type),
                                     std::string_view(d->d_name, strnlen(d->d_name, NAME_MAX + 1))};
      room = wasi::PackDirent(buf, &used, entry);
    }
  }
  out->Set(wire::SizeResult{static_cast<uint32_t>(used), 0});
  return Errno::kSuccess;
}

Errno BrokerSession::PathFilestatSetTimes(const wire::Request& r) {
  const auto a = r.As<wire::TimesArgs>();
  const std::string_view path = r.Text();
  Errno error;
  Handle* dir = Lookup(r.op, a.fd, right::kPathFilestatSetTimes, path, &error);
  if (dir == nullptr) return error;
  if (a.lookup_flags & ~wasi::lookupflag::kSymlinkFollow) return Errno::kInval;
  if (dir->type != wasi::FileType::kDirectory) return Errno::kNotdir;
  timespec times[2];
  TimesFromFlags(a.atim, a.mtim, a.fst_flags, times);
  // Resolve the whole path beneath the handle (following the last symlink only
  // when asked), then change the object that was resolved through its
  // /proc/self/fd entry: no second lookup of the guest path.
  const int flags =
      O_PATH | ((a.lookup_flags & wasi::lookupflag::kSymlinkFollow) ? 0 : O_NOFOLLOW);
  UniqueFd fd;
  const PathStatus status = OpenBeneath(dir->fd.get(), path, flags, 0, &fd);
  if (status.refusal != PathRefusal::kNone) {
    return Deny(r.op, path, JoinHostPath(dir->host_path, path), dir->rights_base,
                right::kPathFilestatSetTimes, status.error, PathRefusalReason(status.refusal));
  }
  if (!status.ok()) return status.error;
  if (Errno e = CheckDenyRules(r.op, *dir, path, right::kPathFilestatSetTimes, fd.get());
      e != Errno::kSuccess) {
    return e;
  }
  const std::string proc = "/proc/self/fd/" + std::to_string(fd.get());
  struct stat st;
  const bool is_link = fstat(fd.get(), &st) == 0 && S_ISLNK(st.st_mode);
  // utimensat on a symlink's own O_PATH descriptor would follow it: use the parent instead.
  if (is_link) {
    ParentEntry entry;
    if (PathStatus ps = OpenParentBeneath(dir->fd.get(), path, &entry); !ps.ok()) {
      return ps.error;
    }
    return utimensat(entry.dir(), entry.name.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0
               ? Errno::kSuccess : ErrnoFromHost(errno);
  }
  return utimensat(AT_FDCWD, proc.c_str(), times, 0) == 0 ? Errno::kSuccess
                                                          : ErrnoFromHost(errno);
}

Errno BrokerSession::PathLink(const wire::Request& r) {
  const auto a = r.As<wire::TwoPathArgs>();
  const std::string_view old_path = r.OldPath();
  const std::string_view new_path = r.NewPath();
  if (a.old_flags & ~wasi::lookupflag::kSymlinkFollow) return Errno::kInval;
  ParentEntry from;
  ParentEntry to;
  std::string from_host;
  std::string to_host;
  if (Errno e = ResolveEntry(r.op, a.old_fd, old_path, right::kPathLinkSource, &from, &from_host);
      e != Errno::kSuccess) {
    return e;
  }
  if (Errno e = ResolveEntry(r.op, a.new_fd, new_path, right::kPathLinkTarget, &to, &to_host);
      e != Errno::kSuccess) {
    return e;
  }
  if (a.old_flags & wasi::lookupflag::kSymlinkFollow) return Errno::kInval;
  if (from.kind != EntryKind::kName) return Errno::kPerm;
  if (to.kind != EntryKind::kName) return Errno::kExist;
  return linkat(from.dir(), from.name.c_str(), to.dir(), to.name.c_str(), 0) == 0
             ? Errno::kSuccess : ErrnoFromHost(errno);
}

Errno BrokerSession::PathRename(const wire::Request& r) {
  const auto a = r.As<wire::TwoPathArgs>();
  const std::string_view old_path = r.OldPath();
  const std::string_view new_path = r.NewPath();
  ParentEntry from;
  ParentEntry to;
  std::string from_host;
  std::string to_host;
  if (Errno e =
          ResolveEntry(r.op, a.old_fd, old_path, right::kPathRenameSource, &from, &from_host);
      e != Errno::kSuccess) {
    return e;
  }
  if (Errno e = ResolveEntry(r.op, a.new_fd, new_path, right::kPathRenameTarget, &to, &to_host);
      e != Errno::kSuccess) {
    return e;
  }
  if (from.kind != EntryKind::kName || to.kind != EntryKind::kName) return Errno::kBusy;
  return renameat(from.dir(), from.name.c_str(), to.dir(), to.name.c_str()) == 0
             ? Errno::kSuccess : ErrnoFromHost(errno);
}

Errno BrokerSession::PathSymlink(const wire::Request& r) {
  const auto a = r.As<wire::TwoPathArgs>();
  const std::string_view target = r.OldPath();
  const std::string_view new_path = r.NewPath();
  ParentEntry entry;
  std::string host_path;
  if (Errno e = ResolveEntry(r.op, a.new_fd, new_path, right::kPathSymlink, &entry, &host_path);
      e != Errno::kSuccess) {
    return e;
  }
  if (target.find('\0') != std::string_view::npos) return Errno::kInval;
  if (!target.empty() && target.front() == '/') {
    const Handle* dir = table_.Get(a.new_fd);
    return Deny(r.op, new_path, host_path, dir != nullptr ? dir->rights_base : 0,
                right::kPathSymlink, Errno::kNotcapable,
                "symlink target '" + Printable(target) +
                    "' is absolute; it could only ever point outside the preopen");
  }
  if (entry.kind != EntryKind::kName) return Errno::kExist;
  const std::string c_target(target);
  return symlinkat(c_target.c_str(), entry.dir(), entry.name.c_str()) == 0
             ? Errno::kSuccess : ErrnoFromHost(errno);
}

Errno BrokerSession::PathReadlink(const wire::Request& r, ReplyBody* out) {
  const auto a = r.As<wire::PathArgs>();
  const std::string_view path = r.Text();
  ParentEntry entry;
  std::string host_path;
  if (Errno e = ResolveEntry(r.op, a.fd, path, right::kPathReadlink, &entry, &host_path);
      e != Errno::kSuccess) {
    return e;
  }
  if (entry.kind != EntryKind::kName) return Errno::kInval;
  char buffer[wire::kMaxTextBytes];
  const ssize_t n = readlinkat(entry.dir(), entry.name.c_str(), buffer, sizeof(buffer));
  if (n < 0) return ErrnoFromHost(errno);
  out->text.assign(buffer, static_cast<size_t>(n));
  out->Set(wire::TextArgs{static_cast<uint32_t>(n), 0});
  return Errno::kSuccess;
}

}  // namespace capsa::caps
