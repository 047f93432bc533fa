#include "caps/rights.h"

#include <fcntl.h>

#include <array>
#include <utility>

namespace capsa::caps {

namespace r = wasi::right;

DirRights DirRights::ReadOnly() {
  return DirRights(rights::kDirRead, rights::kDirRead | rights::kFileRead);
}

DirRights DirRights::ReadWrite() {
  return DirRights(rights::kDirRead | rights::kDirWrite,
                   rights::kDirRead | rights::kDirWrite | rights::kFileRead | rights::kFileWrite);
}

DirRights DirRights::Restricted(wasi::Rights allowed) {
  const DirRights rw = ReadWrite();
  return DirRights(rw.base() & allowed, rw.inheriting() & allowed);
}

wasi::Rights StdioRights(StdStream stream, wasi::FileType type) {
  wasi::Rights common = r::kFdFdstatSetFlags | r::kFdFilestatGet | r::kPollFdReadwrite;
  if (type == wasi::FileType::kRegularFile) common |= r::kFdSeek | r::kFdTell | r::kFdAdvise;
  if (stream == StdStream::kIn) return common | r::kFdRead;
  return common | r::kFdWrite | r::kFdSync | r::kFdDatasync;
}

ChildRights DeriveChildRights(wasi::Rights parent_inheriting, wasi::Rights requested_base,
                              wasi::Rights requested_inheriting) {
  return ChildRights{requested_base & parent_inheriting & r::kAll,
                     requested_inheriting & parent_inheriting & r::kAll};
}

wasi::Rights PathOpenNeededRights(wasi::OFlags oflags) {
  wasi::Rights needed = r::kPathOpen;
  if (oflags & wasi::oflag::kCreat) needed |= r::kPathCreateFile;
  if (oflags & wasi::oflag::kTrunc) needed |= r::kPathFilestatSetSize;
  return needed;
}

AccessMode AccessModeFor(wasi::Rights base, wasi::OFlags oflags) {
  if (oflags & wasi::oflag::kDirectory) return AccessMode::kReadOnly;
  const bool write = (base & rights::kNeedsWritableFd) != 0;
  const bool read = (base & (r::kFdRead | r::kFdReaddir)) != 0;
  if (write && read) return AccessMode::kReadWrite;
  if (write) return AccessMode::kWriteOnly;
  return AccessMode::kReadOnly;
}

int OpenFlagsFor(wasi::Rights base, wasi::OFlags oflags, wasi::FdFlags fdflags,
                 wasi::LookupFlags lookup) {
  int flags = O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  switch (AccessModeFor(base, oflags)) {
    case AccessMode::kReadOnly: flags |= O_RDONLY; break;
    case AccessMode::kWriteOnly: flags |= O_WRONLY; break;
    case AccessMode::kReadWrite: flags |= O_RDWR; break;
  }
  if (oflags & wasi::oflag::kCreat) flags |= O_CREAT;
  if (oflags & wasi::oflag::kExcl) flags |= O_EXCL;
  if (oflags & wasi::oflag::kTrunc) flags |= O_TRUNC;
  if (oflags & wasi::oflag::kDirectory) flags |= O_DIRECTORY;
  if (fdflags & wasi::fdflag::kAppend) flags |= O_APPEND;
  if (fdflags & wasi::fdflag::kDsync) flags |= O_DSYNC;
  if (fdflags & (wasi::fdflag::kSync | wasi::fdflag::kRsync)) flags |= O_SYNC;
  if (!(lookup & wasi::lookupflag::kSymlinkFollow)) flags |= O_NOFOLLOW;
  return flags;
}

std::string RightsToString(wasi::Rights rights) {
  static constexpr std::array<std::pair<wasi::Rights, const char*>, 30> kNames = {{
      {r::kFdDatasync, "fd_datasync"}, {r::kFdRead, "fd_read"}, {r::kFdSeek, "fd_seek"},
      {r::kFdFdstatSetFlags, "fd_fdstat_set_flags"}, {r::kFdSync, "fd_sync"},
      {r::kFdTell, "fd_tell"}, {r::kFdWrite, "fd_write"}, {r::kFdAdvise, "fd_advise"},
      {r::kFdAllocate, "fd_allocate"}, {r::kPathCreateDirectory, "path_create_directory"},
      {r::kPathCreateFile, "path_create_file"}, {r::kPathLinkSource, "path_link_source"},
      {r::kPathLinkTarget, "path_link_target"}, {r::kPathOpen, "path_open"},
      {r::kFdReaddir, "fd_readdir"}, {r::kPathReadlink, "path_readlink"},
      {r::kPathRenameSource, "path_rename_source"}, {r::kPathRenameTarget, "path_rename_target"},
      {r::kPathFilestatGet, "path_filestat_get"},
      {r::kPathFilestatSetSize, "path_filestat_set_size"},
      {r::kPathFilestatSetTimes, "path_filestat_set_times"},
      {r::kFdFilestatGet, "fd_filestat_get"}, {r::kFdFilestatSetSize, "fd_filestat_set_size"},
      {r::kFdFilestatSetTimes, "fd_filestat_set_times"}, {r::kPathSymlink, "path_symlink"},
      {r::kPathRemoveDirectory, "path_remove_directory"},
      {r::kPathUnlinkFile, "path_unlink_file"}, {r::kPollFdReadwrite, "poll_fd_readwrite"},
      {r::kSockShutdown, "sock_shutdown"}, {r::kSockAccept, "sock_accept"},
  }};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (!(rights & bit)) continue;
    if (!out.empty()) out += '|';
    out += name;
  }
  return out.empty() ? "none" : out;
}

}  // namespace capsa::caps
