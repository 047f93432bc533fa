// path_* handlers. Every lookup goes through caps/path_resolver (openat2
// beneath the directory handle's real fd); a refusal there is an escape
// attempt and is denied with ENOTCAPABLE.
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>
#include <utility>

#include "caps/broker_session.h"
#include "caps/errno_map.h"
#include "caps/host_stat.h"
#include "caps/path_resolver.h"
#include "caps/rights.h"

namespace capsa::caps {

namespace right = wasi::right;
using wasi::Errno;

namespace {

constexpr wasi::OFlags kKnownOFlags =
    wasi::oflag::kCreat | wasi::oflag::kDirectory | wasi::oflag::kExcl | wasi::oflag::kTrunc;
constexpr wasi::FdFlags kKnownFdFlags = wasi::fdflag::kAppend | wasi::fdflag::kDsync |
                                        wasi::fdflag::kNonblock | wasi::fdflag::kRsync |
                                        wasi::fdflag::kSync;

// mode for O_CREAT and mkdir; the broker's umask applies, as for any program.
constexpr mode_t kCreateFileMode = 0666;
constexpr mode_t kCreateDirMode = 0777;

}  // namespace

Errno BrokerSession::PathOpen(const wire::Request& r, ReplyBody* out) {
  const auto a = r.As<wire::PathArgs>();
  const std::string_view path = r.Text();
  const wasi::Rights needed = PathOpenNeededRights(a.oflags);
  Errno error;
  Handle* parent = Lookup(r.op, a.fd, needed, path, &error);
  if (parent == nullptr) return error;
  if ((a.oflags & ~kKnownOFlags) || (a.fdflags & ~kKnownFdFlags) ||
      (a.lookup_flags & ~wasi::lookupflag::kSymlinkFollow)) {
    return Errno::kInval;
  }
  if (parent->type != wasi::FileType::kDirectory) return Errno::kNotdir;
  // A directory can never be written through: asking for O_DIRECTORY with
  // fd_write is EISDIR (wasmtime), whatever the path names.
  if ((a.oflags & wasi::oflag::kDirectory) && (a.rights_base & right::kFdWrite)) {
    return Errno::kIsdir;
  }

  const ChildRights child =
      DeriveChildRights(parent->rights_inheriting, a.rights_base, a.rights_inheriting);
  const int flags = OpenFlagsFor(child.base, a.oflags, a.fdflags, a.lookup_flags);
  std::string host_path = JoinHostPath(parent->host_path, path);
  // Deny rules: lexically before anything is created, then on what opened.
  if (Errno e = CheckDenyRules(r.op, *parent, path, needed); e != Errno::kSuccess) return e;
  UniqueFd fd;
  PathStatus status = OpenBeneath(parent->fd.get(), path, flags, kCreateFileMode, &fd);
  // A directory opened without O_DIRECTORY, with rights that ask for a
  // writable descriptor only incidentally (fd_datasync, fd_allocate, ...) but
  // not fd_write: open it read-only, as wasmtime does (wasi-libc and Rust's
  // std pass the parent's full rights when they open ".").
  if (status.error == Errno::kIsdir && !(child.base & right::kFdWrite) &&
      !(a.oflags & (wasi::oflag::kCreat | wasi::oflag::kTrunc))) {
    const int ro_flags = (flags & ~O_ACCMODE) | O_RDONLY | O_DIRECTORY;
    status = OpenBeneath(parent->fd.get(), path, ro_flags, kCreateFileMode, &fd);
  }
  if (status.refusal != PathRefusal::kNone) {
    return Deny(r.op, JoinGuestPath(parent->guest_path, path), std::move(host_path),
                parent->rights_base, needed, status.error, PathRefusalReason(status.refusal));
  }
  if (!status.ok()) return status.error;
  if (Errno e = CheckDenyRules(r.op, *parent, path, needed, fd.get()); e != Errno::kSuccess) {
    return e;
  }
  // Opened O_NONBLOCK so a FIFO cannot block the broker; restore what was asked.
  // F_SETFL sets only O_APPEND, O_ASYNC, O_DIRECT, O_NOATIME and O_NONBLOCK, and
  // of those the open (OpenFlagsFor) asked for O_NONBLOCK and, when the guest
  // did, O_APPEND: so the wanted value is known without an F_GETFL syscall.
  if (!(a.fdflags & wasi::fdflag::kNonblock)) {
    const int keep = (a.fdflags & wasi::fdflag::kAppend) ? O_APPEND : 0;
    if (fcntl(fd.get(), F_SETFL, keep) != 0) return ErrnoFromHost(errno);
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoFromHost(errno);

  Handle h;
  h.type = FileTypeOf(fd.get(), st.st_mode);
  h.fd = std::move(fd);
  // A directory handle carries only directory rights (wasmtime): fd_seek,
  // fd_read, fd_write... mean nothing on it and fd_fdstat_get must not list them.
  h.rights_base = h.type == wasi::FileType::kDirectory
                      ? child.base & (rights::kDirRead | rights::kDirWrite)
                      : child.base;
  h.rights_inheriting = child.inheriting;
  h.guest_path = JoinGuestPath(parent->guest_path, path);
  h.host_path = host_path;
  h.origin = HandleOrigin::kDerived;
  policy::DerivedEvent event{wire::OpName(r.op), h.guest_path, host_path, 0, h.rights_base,
                             child.inheriting, h.type == wasi::FileType::kDirectory};
  // `parent` may dangle after Insert (the table can grow).
  const std::optional<wasi::Fd> opened = table_.Insert(std::move(h));
  if (!opened) return Errno::kMfile;
  event.fd = *opened;
  if (config_.events != nullptr) config_.events->OnDerived(event);
  out->Set(wire::FdResult{*opened, 0});
  return Errno::kSuccess;
}

Errno BrokerSession::PathFilestatGet(const wire::Request& r, ReplyBody* out) {
  const auto a = r.As<wire::PathArgs>();
  const std::string_view path = r.Text();
  Errno error;
  Handle* dir = Lookup(r.op, a.fd, right::kPathFilestatGet, path, &error);
  if (dir == nullptr) return error;
  if (a.lookup_flags & ~wasi::lookupflag::kSymlinkFollow) return Errno::kInval;
  const int flags =
      O_PATH | ((a.lookup_flags & wasi::lookupflag::kSymlinkFollow) ? 0 : O_NOFOLLOW);
  if (Errno e = CheckDenyRules(r.op, *dir, path, right::kPathFilestatGet); e != Errno::kSuccess) {
    return e;
  }
  UniqueFd fd;
  const PathStatus status = OpenBeneath(dir->fd.get(), path, flags, 0, &fd);
  if (status.refusal != PathRefusal::kNone) {
    return Deny(r.op, JoinGuestPath(dir->guest_path, path), JoinHostPath(dir->host_path, path),
                dir->rights_base, right::kPathFilestatGet, status.error,
                PathRefusalReason(status.refusal));
  }
  if (!status.ok()) return status.error;
  if (Errno e = CheckDenyRules(r.op, *dir, path, right::kPathFilestatGet, fd.get());
      e != Errno::kSuccess) {
    return e;
  }
  wasi::FileStat st{};
  if (int e = StatFd(fd.get(), &st); e != 0) return ErrnoFromHost(e);
  out->Set(wire::ToWire(st));
  return Errno::kSuccess;
}

Errno BrokerSession::PathEntryOp(const wire::Request& r) {
  const auto a = r.As<wire::PathArgs>();
  const std::string_view path = r.Text();
  wasi::Rights needed = right::kPathUnlinkFile;
  if (r.op == wire::Op::kPathCreateDirectory) needed = right::kPathCreateDirectory;
  if (r.op == wire::Op::kPathRemoveDirectory) needed = right::kPathRemoveDirectory;
  Errno error;
  Handle* dir = Lookup(r.op, a.fd, needed, path, &error);
  if (dir == nullptr) return error;
  if (Errno e = CheckDenyRules(r.op, *dir, path, needed); e != Errno::kSuccess) return e;
  ParentEntry entry;
  const PathStatus status = OpenParentBeneath(dir->fd.get(), path, &entry);
  if (status.refusal != PathRefusal::kNone) {
    return Deny(r.op, JoinGuestPath(dir->guest_path, path), JoinHostPath(dir->host_path, path),
                dir->rights_base, needed, status.error, PathRefusalReason(status.refusal));
  }
  if (!status.ok()) return status.error;
  if (entry.kind == EntryKind::kName) {
    if (Errno e = CheckDenyRules(r.op, *dir, path, needed, entry.dir(), entry.name);
        e != Errno::kSuccess) {
      return e;
    }
  }
  // "." and ".." name directories that exist and that no entry op may touch;
  // answer as Linux does for mkdir/rmdir/unlink of them, without a syscall.
  if (entry.kind != EntryKind::kName) {
    if (r.op == wire::Op::kPathCreateDirectory) return Errno::kExist;
    if (r.op == wire::Op::kPathUnlinkFile) return Errno::kIsdir;
    return entry.kind == EntryKind::kDot ? Errno::kInval : Errno::kNotempty;
  }
  int rc;
  switch (r.op) {
    case wire::Op::kPathCreateDirectory:
      rc = mkdirat(entry.dir(), entry.name.c_str(), kCreateDirMode);
      break;
    case wire::Op::kPathRemoveDirectory:
      rc = unlinkat(entry.dir(), entry.name.c_str(), AT_REMOVEDIR);
      break;
    default:
      rc = unlinkat(entry.dir(), entry.name.c_str(), 0);
      break;
  }
  return rc == 0 ? Errno::kSuccess : ErrnoFromHost(errno);
}

}  // namespace capsa::caps
