// LinearMemory: one fixed reservation, pages committed on growth, optionally
// backed by a memfd that the broker maps too.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "engine/runtime.h"

namespace capsa::engine {
namespace {

// 4 GiB of addressable memory plus 4 GiB for the largest static offset: an
// access at base + u32 address + u32 offset never leaves the reservation, so a
// bounds-check slip faults on PROT_NONE instead of touching other memory.
constexpr uint64_t kReservationBytes = uint64_t{8} << 30;

Error OsError(const char* what) {
  return Error{ErrorCode::kIo, std::string("linear memory: ") + what + ": " + std::strerror(errno)};
}

}  // namespace

Result<std::shared_ptr<LinearMemory>> LinearMemory::Create(MemoryType type,
                                                           int memfd,
                                                           uint64_t max_bytes) {
  const uint64_t type_max = std::min(type.limits.max.value_or(kMaxPages), kMaxPages);
  const uint64_t max_pages = std::min(type_max, max_bytes / kPageSize);
  if (type.limits.min > max_pages) {
    return Error{ErrorCode::kLimit, "linear memory: minimum of " + std::to_string(type.limits.min) +
                                        " pages exceeds the limit of " + std::to_string(max_pages) +
                                        " pages"};
  }
  if (memfd >= 0) {
    struct stat st;
    if (fstat(memfd, &st) != 0)
      return OsError("fstat(memfd)");
    // Guest memory starts zeroed; stale bytes in a reused memfd would leak into it.
    if (st.st_size != 0)
      return Error{ErrorCode::kInvalid, "linear memory: the memfd must be empty"};
  }
  void* base = mmap(nullptr, kReservationBytes, PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED)
    return OsError("reserving 8 GiB of address space");

  std::shared_ptr<LinearMemory> mem(new LinearMemory());
  mem->base_ = static_cast<uint8_t*>(base);
  mem->reserved_ = kReservationBytes;
  mem->max_pages_ = max_pages;
  mem->memfd_ = memfd;
  mem->type_ = type;
  if (type.limits.min > 0 && !mem->Grow(type.limits.min)) {
    return OsError("committing the initial pages");
  }
  return mem;
}

LinearMemory::~LinearMemory() {
  if (base_ != nullptr)
    munmap(base_, reserved_);
}

std::optional<uint64_t> LinearMemory::Grow(uint64_t delta_pages) {
  const uint64_t old_pages = pages_;
  if (delta_pages > max_pages_ - pages_)
    return std::nullopt;
  if (delta_pages == 0)
    return old_pages;
  const uint64_t old_size = old_pages * kPageSize;
  const uint64_t new_size = (old_pages + delta_pages) * kPageSize;
  const uint64_t delta_bytes = new_size - old_size;
  uint8_t* at = base_ + old_size;
  if (memfd_ >= 0) {
    if (ftruncate(memfd_, static_cast<off_t>(new_size)) != 0)
      return std::nullopt;
    void* p = mmap(at, delta_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, memfd_,
                   static_cast<off_t>(old_size));
    if (p == MAP_FAILED) {
      // Keep the memfd no larger than the memory the guest can see (best
      // effort: a memfd sealed against shrinking refuses this).
      (void)!ftruncate(memfd_, static_cast<off_t>(old_size));
      return std::nullopt;
    }
  } else if (mprotect(at, delta_bytes, PROT_READ | PROT_WRITE) != 0) {
    return std::nullopt;
  }
  pages_ = old_pages + delta_pages;
  return old_pages;
}

}  // namespace capsa::engine
