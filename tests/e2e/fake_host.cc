#include "tests/e2e/fake_host.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace capsa::wasi_test {

using wasi::Errno;
using wasi::Fd;

Errno ErrnoFromHost(int e) {
  switch (e) {
    case 0: return Errno::kSuccess;
    case E2BIG: return Errno::k2big;
    case EACCES: return Errno::kAcces;
    case EAGAIN: return Errno::kAgain;
    case EBADF: return Errno::kBadf;
    case EBUSY: return Errno::kBusy;
    case EEXIST: return Errno::kExist;
    case EFAULT: return Errno::kFault;
    case EFBIG: return Errno::kFbig;
    case EINTR: return Errno::kIntr;
    case EINVAL: return Errno::kInval;
    case EIO: return Errno::kIo;
    case EISDIR: return Errno::kIsdir;
    case ELOOP: return Errno::kLoop;
    case EMFILE: return Errno::kMfile;
    case ENAMETOOLONG: return Errno::kNametoolong;
    case ENOENT: return Errno::kNoent;
    case ENOMEM: return Errno::kNomem;
    case ENOSPC: return Errno::kNospc;
    case ENOSYS: return Errno::kNosys;
    case ENOTDIR: return Errno::kNotdir;
    case ENOTEMPTY: return Errno::kNotempty;
    case EPERM: return Errno::kPerm;
    case EPIPE: return Errno::kPipe;
    case EROFS: return Errno::kRofs;
    case ESPIPE: return Errno::kSpipe;
    case EXDEV: return Errno::kXdev;
    default: return Errno::kIo;
  }
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  off_t at = 0;
  for (ssize_t n; (n = pread(fd, buf, sizeof buf, at)) > 0; at += n)
    out.append(buf, n);
  return out;
}

namespace {

wasi::FileType FileTypeFromMode(mode_t mode) {
  if (S_ISREG(mode))
    return wasi::FileType::kRegularFile;
  if (S_ISDIR(mode))
    return wasi::FileType::kDirectory;
  if (S_ISCHR(mode))
    return wasi::FileType::kCharacterDevice;
  if (S_ISBLK(mode))
    return wasi::FileType::kBlockDevice;
  if (S_ISLNK(mode))
    return wasi::FileType::kSymbolicLink;
  if (S_ISSOCK(mode))
    return wasi::FileType::kSocketStream;
  return wasi::FileType::kUnknown;
}

wasi::Timestamp ToTimestamp(const timespec& ts) {
  return static_cast<wasi::Timestamp>(ts.tv_sec) * 1000000000u + ts.tv_nsec;
}

wasi::FileStat FileStatFrom(const struct stat& st) {
  return wasi::FileStat{st.st_dev,
                        st.st_ino,
                        FileTypeFromMode(st.st_mode),
                        st.st_nlink,
                        static_cast<wasi::FileSize>(st.st_size),
                        ToTimestamp(st.st_atim),
                        ToTimestamp(st.st_mtim),
                        ToTimestamp(st.st_ctim)};
}

clockid_t HostClock(wasi::ClockId id) {
  switch (id) {
    case wasi::ClockId::kRealtime: return CLOCK_REALTIME;
    case wasi::ClockId::kMonotonic: return CLOCK_MONOTONIC;
    case wasi::ClockId::kProcessCputime: return CLOCK_PROCESS_CPUTIME_ID;
    case wasi::ClockId::kThreadCputime: return CLOCK_THREAD_CPUTIME_ID;
  }
  return CLOCK_MONOTONIC;
}

Errno LastErrno() {
  return ErrnoFromHost(errno);
}

}  // namespace

FakeHost::FakeHost(std::vector<std::string> args, std::vector<std::string> environ)
    : args_(std::move(args)), environ_(std::move(environ)) {}

FakeHost::~FakeHost() {
  for (auto& [fd, entry] : fds_)
    close(entry.host_fd);
}

Fd FakeHost::AddFd(int host_fd, wasi::FileType type, wasi::Rights base, wasi::Rights inheriting) {
  Fd fd = 0;
  while (fds_.count(fd) != 0)
    ++fd;
  fds_[fd] = Entry{host_fd, type, base, inheriting, {}};
  return fd;
}

Fd FakeHost::AddPreopen(int dir_fd, std::string guest_path) {
  const Fd fd = AddFd(dir_fd, wasi::FileType::kDirectory);
  fds_[fd].preopen = std::move(guest_path);
  return fd;
}

int FakeHost::HostFd(Fd fd) const {
  auto it = fds_.find(fd);
  return it == fds_.end() ? -1 : it->second.host_fd;
}

FakeHost::Entry* FakeHost::Find(Fd fd) {
  ++host_calls_;
  auto it = fds_.find(fd);
  return it == fds_.end() ? nullptr : &it->second;
}

bool FakeHost::Resolve(std::span<const wasi::IoVec> iovs, std::vector<iovec>* out) const {
  out->clear();
  for (const wasi::IoVec& v : iovs) {
    if (memory_ == nullptr || !memory_->InBounds(v.offset, v.length))
      return false;
    out->push_back(iovec{memory_->data() + v.offset, v.length});
  }
  return true;
}

bool FakeHost::Confined(std::string_view path) {
  if (path.empty() || path.front() == '/')
    return false;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    if (path.substr(start, end - start) == "..")
      return false;
    start = end + 1;
  }
  return true;
}

Errno FakeHost::FdWrite(Fd fd, std::span<const wasi::IoVec> iovs, wasi::Size* n) {
  Entry* e = Find(fd);
  std::vector<iovec> host;
  if (e == nullptr)
    return Errno::kBadf;
  if (!Resolve(iovs, &host))
    return Errno::kFault;
  const ssize_t r = writev(e->host_fd, host.data(), static_cast<int>(host.size()));
  if (r < 0)
    return LastErrno();
  *n = static_cast<wasi::Size>(r);
  return Errno::kSuccess;
}

Errno FakeHost::FdRead(Fd fd, std::span<const wasi::IoVec> iovs, wasi::Size* n) {
  Entry* e = Find(fd);
  std::vector<iovec> host;
  if (e == nullptr)
    return Errno::kBadf;
  if (!Resolve(iovs, &host))
    return Errno::kFault;
  const ssize_t r = readv(e->host_fd, host.data(), static_cast<int>(host.size()));
  if (r < 0)
    return LastErrno();
  *n = static_cast<wasi::Size>(r);
  return Errno::kSuccess;
}

Errno FakeHost::FdPwrite(Fd fd,
                         std::span<const wasi::IoVec> iovs,
                         wasi::FileSize offset,
                         wasi::Size* n) {
  Entry* e = Find(fd);
  std::vector<iovec> host;
  if (e == nullptr)
    return Errno::kBadf;
  if (!Resolve(iovs, &host))
    return Errno::kFault;
  const ssize_t r =
      pwritev(e->host_fd, host.data(), static_cast<int>(host.size()), static_cast<off_t>(offset));
  if (r < 0)
    return LastErrno();
  *n = static_cast<wasi::Size>(r);
  return Errno::kSuccess;
}

Errno FakeHost::FdPread(Fd fd,
                        std::span<const wasi::IoVec> iovs,
                        wasi::FileSize offset,
                        wasi::Size* n) {
  Entry* e = Find(fd);
  std::vector<iovec> host;
  if (e == nullptr)
    return Errno::kBadf;
  if (!Resolve(iovs, &host))
    return Errno::kFault;
  const ssize_t r =
      preadv(e->host_fd, host.data(), static_cast<int>(host.size()), static_cast<off_t>(offset));
  if (r < 0)
    return LastErrno();
  *n = static_cast<wasi::Size>(r);
  return Errno::kSuccess;
}

Errno FakeHost::FdClose(Fd fd) {
  Entry* e = Find(fd);
  if (e == nullptr)
    return Errno::kBadf;
  close(e->host_fd);
  fds_.erase(fd);
  return Errno::kSuccess;
}

Errno FakeHost::FdSeek(Fd fd,
                       wasi::FileDelta offset,
                       wasi::Whence whence,
                       wasi::FileSize* new_offset) {
  Entry* e = Find(fd);
  if (e == nullptr)
    return Errno::kBadf;
  const int how = whence == wasi::Whence::kSet   ? SEEK_SET
                  : whence == wasi::Whence::kCur ? SEEK_CUR
                                                 : SEEK_END;
  const off_t r = lseek(e->host_fd, static_cast<off_t>(offset), how);
  if (r < 0)
    return LastErrno();
  *new_offset = static_cast<wasi::FileSize>(r);
  return Errno::kSuccess;
}

Errno FakeHost::FdTell(Fd fd, wasi::FileSize* offset) {
  return FdSeek(fd, 0, wasi::Whence::kCur, offset);
}

Errno FakeHost::FdFdstatGet(Fd fd, wasi::FdStat* stat) {
  Entry* e = Find(fd);
  if (e == nullptr)
    return Errno::kBadf;
  const int fl = fcntl(e->host_fd, F_GETFL);
  if (fl < 0)
    return LastErrno();
  wasi::FdFlags flags = 0;
  if (fl & O_APPEND)
    flags |= wasi::fdflag::kAppend;
  if (fl & O_NONBLOCK)
    flags |= wasi::fdflag::kNonblock;
  *stat = wasi::FdStat{e->type, flags, e->base, e->inheriting};
  return Errno::kSuccess;
}

Errno FakeHost::FdFdstatSetFlags(Fd fd, wasi::FdFlags flags) {
  Entry* e = Find(fd);
  if (e == nullptr)
    return Errno::kBadf;
  int fl = 0;
  if (flags & wasi::fdflag::kAppend)
    fl |= O_APPEND;
  if (flags & wasi::fdflag::kNonblock)
    fl |= O_NONBLOCK;
  return fcntl(e->host_fd, F_SETFL, fl) < 0 ? LastErrno() : Errno::kSuccess;
}

Errno FakeHost::FdPrestatGet(Fd fd, wasi::Prestat* prestat) {
  Entry* e = Find(fd);
  if (e == nullptr)
    return Errno::kBadf;
  if (e->preopen.empty())
    return Errno::kBadf;  // as wasi-libc expects for non-preopens
  *prestat = wasi::Prestat{0, static_cast<uint32_t>(e->preopen.size())};
  return Errno::kSuccess;
}

Errno FakeHost::FdPrestatDirName(Fd fd, std::string* name) {
  Entry* e = Find(fd);
  if (e == nullptr || e->preopen.empty())
    return Errno::kBadf;
  *name = e->preopen;
  return Errno::kSuccess;
}

Errno FakeHost::FdFilestatGet(Fd fd, wasi::FileStat* stat) {
  Entry* e = Find(fd);
  if (e == nullptr)
    return Errno::kBadf;
  struct stat st;
  if (fstat(e->host_fd, &st) != 0)
    return LastErrno();
  *stat = FileStatFrom(st);
  return Errno::kSuccess;
}

Errno FakeHost::FdSync(Fd fd) {
  Entry* e = Find(fd);
  if (e == nullptr)
    return Errno::kBadf;
  return fsync(e->host_fd) != 0 ? LastErrno() : Errno::kSuccess;
}

Errno FakeHost::FdDatasync(Fd fd) {
  Entry* e = Find(fd);
  if (e == nullptr)
    return Errno::kBadf;
  return fdatasync(e->host_fd) != 0 ? LastErrno() : Errno::kSuccess;
}

// Cookies are entry indices in readdir order, "." and ".." included.
Errno FakeHost::FdReaddir(Fd fd, wasi::DirCookie cookie, wasi::IoVec buf, wasi::Size* bufused) {
  Entry* e = Find(fd);
  if (e == nullptr)
    return Errno::kBadf;
  if (memory_ == nullptr || !memory_->InBounds(buf.offset, buf.length))
    return Errno::kFault;
  const std::span<uint8_t> out(memory_->data() + buf.offset, buf.length);
  const int dup_fd = openat(e->host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup_fd < 0)
    return LastErrno();
  DIR* dir = fdopendir(dup_fd);
  if (dir == nullptr) {
    close(dup_fd);
    return LastErrno();
  }
  uint64_t index = 0;
  size_t used = 0;
  while (const dirent* d = readdir(dir)) {
    if (index++ < cookie)
      continue;
    wasi::DirEntryView entry{index, d->d_ino, wasi::FileType::kUnknown, d->d_name};
    if (d->d_type == DT_DIR)
      entry.type = wasi::FileType::kDirectory;
    if (d->d_type == DT_REG)
      entry.type = wasi::FileType::kRegularFile;
    if (d->d_type == DT_LNK)
      entry.type = wasi::FileType::kSymbolicLink;
    if (!wasi::PackDirent(out, &used, entry))
      break;
  }
  closedir(dir);
  *bufused = static_cast<wasi::Size>(used);
  return Errno::kSuccess;
}

Errno FakeHost::PathOpen(Fd dir_fd,
                         wasi::LookupFlags dirflags,
                         std::string_view path,
                         wasi::OFlags oflags,
                         wasi::Rights rights_base,
                         wasi::Rights rights_inheriting,
                         wasi::FdFlags fdflags,
                         Fd* opened) {
  Entry* e = Find(dir_fd);
  if (e == nullptr)
    return Errno::kBadf;
  if (!Confined(path))
    return Errno::kNotcapable;
  const bool read = (rights_base & (wasi::right::kFdRead | wasi::right::kFdReaddir)) != 0;
  const bool write = (rights_base & wasi::right::kFdWrite) != 0;
  int flags = O_CLOEXEC | (write ? (read ? O_RDWR : O_WRONLY) : O_RDONLY);
  if (oflags & wasi::oflag::kCreat)
    flags |= O_CREAT;
  if (oflags & wasi::oflag::kDirectory)
    flags |= O_DIRECTORY;
  if (oflags & wasi::oflag::kExcl)
    flags |= O_EXCL;
  if (oflags & wasi::oflag::kTrunc)
    flags |= O_TRUNC;
  if (fdflags & wasi::fdflag::kAppend)
    flags |= O_APPEND;
  if ((dirflags & wasi::lookupflag::kSymlinkFollow) == 0)
    flags |= O_NOFOLLOW;
  const std::string p(path);
  const int fd = openat(e->host_fd, p.c_str(), flags, 0644);
  if (fd < 0)
    return LastErrno();
  struct stat st;
  fstat(fd, &st);
  *opened = AddFd(fd, FileTypeFromMode(st.st_mode), rights_base, rights_inheriting);
  return Errno::kSuccess;
}

Errno FakeHost::PathFilestatGet(Fd dir_fd,
                                wasi::LookupFlags flags,
                                std::string_view path,
                                wasi::FileStat* stat) {
  Entry* e = Find(dir_fd);
  if (e == nullptr)
    return Errno::kBadf;
  if (!Confined(path))
    return Errno::kNotcapable;
  struct stat st;
  const int at = (flags & wasi::lookupflag::kSymlinkFollow) ? 0 : AT_SYMLINK_NOFOLLOW;
  if (fstatat(e->host_fd, std::string(path).c_str(), &st, at) != 0)
    return LastErrno();
  *stat = FileStatFrom(st);
  return Errno::kSuccess;
}

Errno FakeHost::PathCreateDirectory(Fd dir_fd, std::string_view path) {
  Entry* e = Find(dir_fd);
  if (e == nullptr)
    return Errno::kBadf;
  if (!Confined(path))
    return Errno::kNotcapable;
  return mkdirat(e->host_fd, std::string(path).c_str(), 0755) != 0 ? LastErrno() : Errno::kSuccess;
}

Errno FakeHost::PathRemoveDirectory(Fd dir_fd, std::string_view path) {
  Entry* e = Find(dir_fd);
  if (e == nullptr)
    return Errno::kBadf;
  if (!Confined(path))
    return Errno::kNotcapable;
  return unlinkat(e->host_fd, std::string(path).c_str(), AT_REMOVEDIR) != 0 ? LastErrno()
                                                                            : Errno::kSuccess;
}

Errno FakeHost::PathUnlinkFile(Fd dir_fd, std::string_view path) {
  Entry* e = Find(dir_fd);
  if (e == nullptr)
    return Errno::kBadf;
  if (!Confined(path))
    return Errno::kNotcapable;
  return unlinkat(e->host_fd, std::string(path).c_str(), 0) != 0 ? LastErrno() : Errno::kSuccess;
}

Errno FakeHost::ClockResGet(wasi::ClockId id, wasi::Timestamp* resolution) {
  ++host_calls_;
  timespec ts;
  if (clock_getres(HostClock(id), &ts) != 0)
    return LastErrno();
  *resolution = ToTimestamp(ts);
  return Errno::kSuccess;
}

Errno FakeHost::ClockTimeGet(wasi::ClockId id, wasi::Timestamp, wasi::Timestamp* time) {
  ++host_calls_;
  timespec ts;
  if (clock_gettime(HostClock(id), &ts) != 0)
    return LastErrno();
  *time = ToTimestamp(ts);
  return Errno::kSuccess;
}

Errno FakeHost::RandomGet(wasi::IoVec buffer) {
  ++host_calls_;
  if (memory_ == nullptr || !memory_->InBounds(buffer.offset, buffer.length)) {
    return Errno::kFault;
  }
  uint8_t* p = memory_->data() + buffer.offset;
  for (uint32_t done = 0; done < buffer.length;) {
    const ssize_t r = getrandom(p + done, buffer.length - done, 0);
    if (r < 0)
      return LastErrno();
    done += static_cast<uint32_t>(r);
  }
  return Errno::kSuccess;
}

Errno FakeHost::SchedYield() {
  ++host_calls_;
  sched_yield();
  return Errno::kSuccess;
}

// Clock subscriptions only: sleeps for the shortest relative timeout and
// reports every clock subscription whose timeout has then passed.
Errno FakeHost::PollOneoff(std::span<const wasi::Subscription> subscriptions,
                           std::vector<wasi::Event>* events) {
  ++host_calls_;
  wasi::Timestamp shortest = ~wasi::Timestamp{0};
  for (const wasi::Subscription& s : subscriptions) {
    if (s.type != wasi::EventType::kClock || (s.flags & wasi::subclockflag::kAbstime)) {
      return Errno::kNotsup;
    }
    shortest = std::min(shortest, s.timeout);
  }
  const timespec ts{static_cast<time_t>(shortest / 1000000000u),
                    static_cast<long>(shortest % 1000000000u)};
  nanosleep(&ts, nullptr);
  for (const wasi::Subscription& s : subscriptions) {
    if (s.timeout <= shortest) {
      events->push_back(wasi::Event{s.userdata, Errno::kSuccess, wasi::EventType::kClock, 0, 0});
    }
  }
  return Errno::kSuccess;
}

Errno FakeHost::Unsupported(std::string_view function) {
  ++host_calls_;
  unsupported_.emplace_back(function);
  return Errno::kNosys;
}

}  // namespace capsa::wasi_test
