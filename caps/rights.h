// Rights: the named rights sets capsa hands out, and the pure rules that
// derive a child's rights and the kernel open mode from them.
//
// A right is one bit of wasi::Rights (engine/wasi/wasi_types.h). Everything in
// this header is a pure function: no syscalls, safe to call from anywhere.
#pragma once

#include <string>

#include "engine/wasi/wasi_types.h"

namespace capsa::caps {

// Groups of rights, named after what they let a guest do.
namespace rights {
using wasi::Rights;
namespace r = wasi::right;

// Reading a regular file.
inline constexpr Rights kFileRead = r::kFdRead | r::kFdSeek | r::kFdTell | r::kFdFilestatGet |
                                    r::kFdAdvise | r::kFdFdstatSetFlags | r::kPollFdReadwrite;
// Changing a regular file (on top of kFileRead for read-write grants).
inline constexpr Rights kFileWrite = r::kFdWrite | r::kFdDatasync | r::kFdSync | r::kFdAllocate |
                                     r::kFdFilestatSetSize | r::kFdFilestatSetTimes;
// Looking into a directory.
inline constexpr Rights kDirRead = r::kPathOpen | r::kFdReaddir | r::kPathFilestatGet |
                                   r::kFdFilestatGet | r::kPathReadlink | r::kFdFdstatSetFlags;
// Changing a directory's entries.
inline constexpr Rights kDirWrite =
    r::kPathCreateDirectory | r::kPathCreateFile | r::kPathLinkSource | r::kPathLinkTarget |
    r::kPathRenameSource | r::kPathRenameTarget | r::kPathFilestatSetSize |
    r::kPathFilestatSetTimes | r::kPathSymlink | r::kPathRemoveDirectory | r::kPathUnlinkFile |
    r::kFdFilestatSetTimes | r::kFdSync | r::kFdDatasync;

// Rights that need a kernel descriptor opened for writing.
inline constexpr Rights kNeedsWritableFd =
    r::kFdWrite | r::kFdAllocate | r::kFdFilestatSetSize | r::kFdDatasync;
}  // namespace rights

// The rights of a directory grant (a preopen). Named factories only, so a
// grant always reads as what it is: DirRights::ReadOnly(), DirRights::ReadWrite().
class DirRights {
 public:
  // base: look into the directory; inheriting: read files and subdirectories.
  static DirRights ReadOnly();
  // ReadOnly() plus create, unlink, rename, truncate, set times, write files.
  static DirRights ReadWrite();
  // ReadWrite() masked by `allowed`, for both sets: an explicit rights list
  // from a policy file ([[dir]] rights = [...]). Never more than ReadWrite().
  static DirRights Restricted(wasi::Rights allowed);

  wasi::Rights base() const { return base_; }
  wasi::Rights inheriting() const { return inheriting_; }

 private:
  DirRights(wasi::Rights base, wasi::Rights inheriting) : base_(base), inheriting_(inheriting) {}
  wasi::Rights base_;
  wasi::Rights inheriting_;
};

// Which standard stream a guest fd 0/1/2 is.
enum class StdStream : uint8_t { kIn, kOut, kErr };

// The rights of a stdio handle. Streams that can seek (regular files) also get
// fd_seek/fd_tell; ttys and pipes do not, which is how wasi-libc's isatty()
// tells them apart.
wasi::Rights StdioRights(StdStream stream, wasi::FileType type);

// The rights a path_open child gets: requested ∩ parent's inheriting, for both
// sets (never more than the parent may pass on).
struct ChildRights {
  wasi::Rights base;
  wasi::Rights inheriting;
};
ChildRights DeriveChildRights(wasi::Rights parent_inheriting, wasi::Rights requested_base,
                              wasi::Rights requested_inheriting);

// The rights the parent directory handle needs for a path_open with these
// oflags (path_open; + path_create_file for O_CREAT; + path_filestat_set_size
// for O_TRUNC).
wasi::Rights PathOpenNeededRights(wasi::OFlags oflags);

// How the kernel descriptor is opened for a child with `base` rights.
enum class AccessMode : uint8_t { kReadOnly, kWriteOnly, kReadWrite };
AccessMode AccessModeFor(wasi::Rights base, wasi::OFlags oflags);

// The open(2) flags for a path_open child: access mode from the rights,
// O_CREAT/O_EXCL/O_TRUNC/O_DIRECTORY from oflags, O_APPEND/O_DSYNC/O_SYNC from
// fdflags, O_NOFOLLOW without symlink_follow, always O_CLOEXEC|O_NOCTTY.
// O_NONBLOCK is always set for the open itself (a FIFO must not block the
// broker); the caller clears it afterwards unless fdflags asked for it.
int OpenFlagsFor(wasi::Rights base, wasi::OFlags oflags, wasi::FdFlags fdflags,
                 wasi::LookupFlags lookup);

// "fd_read|fd_seek|..." for logs; "none" for 0.
std::string RightsToString(wasi::Rights rights);

}  // namespace capsa::caps
