#include "caps/host_stat.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>

namespace capsa::caps {
namespace {

wasi::Timestamp Nanos(const timespec& ts) {
  return static_cast<wasi::Timestamp>(ts.tv_sec) * 1'000'000'000ull +
         static_cast<wasi::Timestamp>(ts.tv_nsec);
}

}  // namespace

wasi::FileType FileTypeOf(int fd, mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return wasi::FileType::kRegularFile;
    case S_IFDIR: return wasi::FileType::kDirectory;
    case S_IFCHR: return wasi::FileType::kCharacterDevice;
    case S_IFBLK: return wasi::FileType::kBlockDevice;
    case S_IFLNK: return wasi::FileType::kSymbolicLink;
    case S_IFSOCK: {
      int type = 0;
      socklen_t len = sizeof(type);
      if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM) {
        return wasi::FileType::kSocketDgram;
      }
      return wasi::FileType::kSocketStream;
    }
    default: return wasi::FileType::kUnknown;
  }
}

int StatFd(int fd, wasi::FileStat* out) {
  struct stat st;
  if (fstat(fd, &st) != 0) return errno;
  out->dev = static_cast<wasi::Device>(st.st_dev);
  out->ino = static_cast<wasi::Inode>(st.st_ino);
  out->filetype = FileTypeOf(fd, st.st_mode);
  out->nlink = static_cast<wasi::LinkCount>(st.st_nlink);
  out->size = static_cast<wasi::FileSize>(st.st_size);
  out->atim = Nanos(st.st_atim);
  out->mtim = Nanos(st.st_mtim);
  out->ctim = Nanos(st.st_ctim);
  return 0;
}

wasi::FdFlags FdFlagsFromOpenFlags(int open_flags) {
  wasi::FdFlags flags = 0;
  if (open_flags & O_APPEND) flags |= wasi::fdflag::kAppend;
  if (open_flags & O_NONBLOCK) flags |= wasi::fdflag::kNonblock;
  // O_SYNC includes the O_DSYNC bit on Linux; report the stronger one only.
  if ((open_flags & O_SYNC) == O_SYNC) {
    flags |= wasi::fdflag::kSync;
  } else if (open_flags & O_DSYNC) {
    flags |= wasi::fdflag::kDsync;
  }
  return flags;
}

}  // namespace capsa::caps
