#include "caps/guest_memory_map.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace capsa::caps {

GuestMemoryMap::~GuestMemoryMap() {
  if (base_ != nullptr) munmap(base_, kReserveBytes);
}

Result<void> GuestMemoryMap::Init(int memfd) {
  if (memfd < 0) return {};
  int seals = fcntl(memfd, F_GET_SEALS);
  if (seals >= 0 && !(seals & F_SEAL_SHRINK) && fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) == 0) {
    seals |= F_SEAL_SHRINK;
  }
  if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
    return MakeError(ErrorCode::kInvalid,
                     "linear-memory memfd is not sealed against shrinking (F_SEAL_SHRINK); "
                     "refusing to map it");
  }
  void* base = mmap(nullptr, kReserveBytes, PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) {
    return MakeError(ErrorCode::kIo, std::string("reserving guest memory: ") + strerror(errno));
  }
  base_ = static_cast<uint8_t*>(base);
  memfd_ = memfd;
  return {};
}

bool GuestMemoryMap::Refresh() {
  struct stat st;
  if (fstat(memfd_, &st) != 0 || st.st_size < 0) return false;
  const uint64_t size = std::min<uint64_t>(static_cast<uint64_t>(st.st_size), kMaxGuestBytes);
  if (size <= mapped_) return true;
  void* p = mmap(base_, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, memfd_, 0);
  if (p == MAP_FAILED) return false;
  mapped_ = size;
  return true;
}

uint8_t* GuestMemoryMap::Access(uint64_t offset, uint64_t length) {
  if (base_ == nullptr) return nullptr;
  if (offset > kMaxGuestBytes || length > kMaxGuestBytes - offset) return nullptr;
  if (offset + length > mapped_ && (!Refresh() || offset + length > mapped_)) return nullptr;
  return base_ + offset;
}

}  // namespace capsa::caps
