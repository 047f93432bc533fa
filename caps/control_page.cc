#include "caps/control_page.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace capsa::caps {
namespace {

Error OsError(const std::string& what, int err) {
  return MakeError(ErrorCode::kIo, what + ": " + strerror(err));
}

}  // namespace

Result<UniqueFd> CreateControlMemfd() {
  UniqueFd fd(memfd_create("capsa-control", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd.valid()) return OsError("memfd_create (control page)", errno);
  if (ftruncate(fd.get(), kControlPageBytes) != 0) return OsError("sizing the control page", errno);
  if (fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    return OsError("sealing the control page", errno);
  }
  return fd;
}

ControlMapping::~ControlMapping() {
  if (page_ != nullptr) munmap(page_, kControlPageBytes);
}

ControlMapping::ControlMapping(ControlMapping&& other) noexcept
    : page_(std::exchange(other.page_, nullptr)) {}

ControlMapping& ControlMapping::operator=(ControlMapping&& other) noexcept {
  if (this != &other) {
    if (page_ != nullptr) munmap(page_, kControlPageBytes);
    page_ = std::exchange(other.page_, nullptr);
  }
  return *this;
}

Result<ControlMapping> ControlMapping::Map(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return OsError("control page", errno);
  if (!S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) != kControlPageBytes) {
    return MakeError(ErrorCode::kInvalid, "control page memfd is not exactly " +
                                              std::to_string(kControlPageBytes) + " bytes");
  }
  const int seals = fcntl(fd, F_GET_SEALS);
  if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
    return MakeError(ErrorCode::kInvalid,
                     "control page memfd is not sealed against shrinking (F_SEAL_SHRINK)");
  }
  void* p = mmap(nullptr, kControlPageBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return OsError("mapping the control page", errno);
  ControlMapping m;
  m.page_ = static_cast<ControlPage*>(p);
  return m;
}

}  // namespace capsa::caps
