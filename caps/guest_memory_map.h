// The broker's own mapping of the worker's linear memory (a memfd).
//
// 8 GiB of address space is reserved PROT_NONE once; [0, observed size) is
// mapped MAP_SHARED|MAP_FIXED over it whenever a request needs more than is
// mapped. The size is what the broker observes with fstat itself, never a
// size the worker claims. The memfd must carry F_SEAL_SHRINK (the launcher
// adds it; Init adds it too if the memfd still allows sealing) so a mapped
// page can never vanish under the broker (no SIGBUS); the worker grows the
// memfd with ftruncate.
//
// Single-threaded; not async-signal-safe.
#pragma once

#include <cstdint>

#include "engine/base/result.h"

namespace capsa::caps {

class GuestMemoryMap {
 public:
  static constexpr uint64_t kReserveBytes = 8ull << 30;
  static constexpr uint64_t kMaxGuestBytes = 4ull << 30;  // wasm32 address space

  GuestMemoryMap() = default;
  ~GuestMemoryMap();
  GuestMemoryMap(const GuestMemoryMap&) = delete;
  GuestMemoryMap& operator=(const GuestMemoryMap&) = delete;

  // memfd < 0: there is no memory and every access fails. On error the map
  // stays in that state too. Does not take ownership of memfd.
  Result<void> Init(int memfd);

  // The broker's address of guest range [offset, offset + length), or nullptr
  // when the range is outside the memory the broker observes (the caller
  // answers EFAULT). Overflow-safe for any inputs.
  uint8_t* Access(uint64_t offset, uint64_t length);

  uint64_t mapped_bytes() const { return mapped_; }

 private:
  // fstat the memfd and extend the mapping to its size. false on OS failure.
  bool Refresh();

  int memfd_ = -1;
  uint8_t* base_ = nullptr;
  uint64_t mapped_ = 0;
};

}  // namespace capsa::caps
