// Bounds-checked, little-endian access to a guest's linear memory for the
// WASI layer. Every guest pointer is an untrusted u32; every check is done in
// 64-bit arithmetic so offset + length cannot wrap. A failed check is an
// EFAULT for the guest, never a host fault.
//
// Alignment is not enforced: the witx ABI aligns its structs, but a misaligned
// pointer is harmless to a byte-wise copy, and wasm3/node accept it too.
//
// The view borrows the LinearMemory; it is valid only during one host call
// (no WASI call grows memory, so the size checked here stays valid).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>

#include "engine/runtime.h"

namespace capsa::wasi {

static_assert(std::endian::native == std::endian::little,
              "guest memory is little-endian; add byte swaps for this host");

// Pure helpers on host buffers (no bounds checks: the caller holds a checked span).
inline void PutU8(uint8_t* p, uint8_t v) {
  *p = v;
}
inline void PutU16(uint8_t* p, uint16_t v) {
  std::memcpy(p, &v, sizeof v);
}
inline void PutU32(uint8_t* p, uint32_t v) {
  std::memcpy(p, &v, sizeof v);
}
inline void PutU64(uint8_t* p, uint64_t v) {
  std::memcpy(p, &v, sizeof v);
}
inline uint16_t GetU16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline uint32_t GetU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline uint64_t GetU64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

class GuestMemory {
 public:
  // `memory` may be null (a module without memory): every access then fails.
  explicit GuestMemory(engine::LinearMemory* memory) : memory_(memory) {}

  bool InBounds(uint64_t offset, uint64_t length) const {
    return memory_ != nullptr && memory_->InBounds(offset, length);
  }

  // The bytes [offset, offset + length) or nullopt when out of bounds.
  std::optional<std::span<uint8_t>> Slice(uint64_t offset, uint64_t length) const {
    if (!InBounds(offset, length))
      return std::nullopt;
    return std::span<uint8_t>(memory_->data() + offset, length);
  }

  // An array of `count` elements of `size` bytes each.
  std::optional<std::span<uint8_t>> Array(uint32_t offset, uint32_t count, uint32_t size) const {
    return Slice(offset, uint64_t{count} * size);
  }

  // Copies [offset, offset + length) out once; nullopt when out of bounds.
  std::optional<std::string> CopyString(uint32_t offset, uint32_t length) const {
    auto bytes = Slice(offset, length);
    if (!bytes)
      return std::nullopt;
    return std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  }

  bool StoreU32(uint32_t offset, uint32_t v) const { return Store(offset, &v, sizeof v); }
  bool StoreU64(uint32_t offset, uint64_t v) const { return Store(offset, &v, sizeof v); }

  bool Store(uint64_t offset, const void* bytes, uint64_t length) const {
    auto dst = Slice(offset, length);
    if (!dst)
      return false;
    if (length != 0)
      std::memcpy(dst->data(), bytes, length);
    return true;
  }

 private:
  engine::LinearMemory* memory_;
};

}  // namespace capsa::wasi
