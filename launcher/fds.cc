#include "launcher/fds.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace capsa::launcher {
namespace {

std::string Reason(int err) { return strerrordesc_np(err); }

Error IoError(const std::string& what, int err) {
  return MakeError(ErrorCode::kIo, what + ": " + Reason(err));
}

}  // namespace

Result<std::vector<uint8_t>> ReadModuleFile(const std::string& path) {
  const std::string what = "cannot read module " + path;
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return IoError(what, errno);
  struct stat st{};
  if (fstat(fd.get(), &st) != 0) return IoError(what, errno);
  if (S_ISDIR(st.st_mode)) return IoError(what, EISDIR);
  if (!S_ISREG(st.st_mode)) return MakeError(ErrorCode::kIo, what + ": not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxModuleBytes) {
    return MakeError(ErrorCode::kLimit, what + ": larger than " +
                                            std::to_string(kMaxModuleBytes >> 20) + " MiB");
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError(what, errno);
    if (n == 0) break;  // the file shrank: use what is there
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

Result<UniqueFd> OpenPreopenDir(const std::string& host_path) {
  UniqueFd fd(open(host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return IoError("cannot open --dir " + host_path, errno);
  return fd;
}

Result<UniqueFd> CreateGuestMemfd() {
  UniqueFd fd(memfd_create("capsa-memory", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd.valid()) return IoError("memfd_create", errno);
  if (fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
    return IoError("sealing the memory memfd", errno);
  }
  return fd;
}

Result<std::pair<UniqueFd, UniqueFd>> CreateWorkerSocketPair() {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return IoError("socketpair", errno);
  }
  return std::pair{UniqueFd(sv[0]), UniqueFd(sv[1])};
}

Result<std::pair<UniqueFd, UniqueFd>> CreatePipe() {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return IoError("pipe2", errno);
  return std::pair{UniqueFd(p[0]), UniqueFd(p[1])};
}

bool KeepOnlyFds(const int* fds, int count, int first_target) {
  // Park every fd above all targets first, so no dup3 below can clobber a
  // source that happens to sit on a target number.
  constexpr int kMaxKept = 8;
  if (count > kMaxKept || first_target < 0) return false;
  const int park_base = first_target + count + 64;
  int parked[kMaxKept];
  for (int i = 0; i < count; ++i) {
    parked[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, park_base);
    if (parked[i] < 0) return false;
  }
  for (int i = 0; i < count; ++i) {
    if (dup3(parked[i], first_target + i, O_CLOEXEC) < 0) return false;
  }
  if (first_target > 0 && syscall(SYS_close_range, 0u, unsigned(first_target - 1), 0u) != 0) {
    return false;
  }
  return syscall(SYS_close_range, unsigned(first_target + count), ~0u, 0u) == 0;
}

std::vector<int> ListOpenFds() {
  std::vector<int> fds;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return fds;
  const int own = dirfd(dir);
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    int fd = std::atoi(e->d_name);
    if (fd != own) fds.push_back(fd);
  }
  closedir(dir);
  return fds;
}

}  // namespace capsa::launcher
