// LEB128 decoding with the spec's exact rules: an N-bit integer takes at most
// ceil(N/7) bytes ("integer representation too long"), and the unused high
// bits of the last byte must be zero (unsigned) or a sign extension (signed)
// ("integer too large"). Pure functions over a byte range; no allocation.
// Shared by the module decoder and the function compiler.
#pragma once

#include <cstddef>
#include <cstdint>

namespace capsa::engine {

enum class LebStatus : uint8_t {
  kOk,
  kUnexpectedEnd,  // ran out of bytes before the last byte
  kTooLong,        // "integer representation too long"
  kTooLarge,       // "integer too large"
};

const char* LebStatusMessage(LebStatus s);

struct LebResult {
  LebStatus status = LebStatus::kOk;
  uint64_t value = 0;  // zero-extended (unsigned) or sign-extended to 64 bits (signed)
  size_t length = 0;   // bytes consumed on kOk; on error, offset of the offending byte
};

// Decodes an unsigned `bits`-wide LEB128 (1 <= bits <= 64) from [p, end).
inline LebResult DecodeUleb(const uint8_t* p, const uint8_t* end, unsigned bits) {
  LebResult r;
  unsigned shift = 0;
  for (size_t i = 0;; ++i, shift += 7) {
    if (shift >= bits)
      return {LebStatus::kTooLong, 0, i};
    if (p + i >= end)
      return {LebStatus::kUnexpectedEnd, 0, i};
    uint8_t b = p[i];
    unsigned remaining = bits - shift;
    if (remaining < 7 && (b & 0x7F) >= (1u << remaining))
      return {LebStatus::kTooLarge, 0, i};
    r.value |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      r.length = i + 1;
      return r;
    }
  }
}

// Decodes a signed `bits`-wide LEB128 (1 <= bits <= 64), sign-extended to 64 bits.
inline LebResult DecodeSleb(const uint8_t* p, const uint8_t* end, unsigned bits) {
  LebResult r;
  unsigned shift = 0;
  for (size_t i = 0;; ++i, shift += 7) {
    if (shift >= bits)
      return {LebStatus::kTooLong, 0, i};
    if (p + i >= end)
      return {LebStatus::kUnexpectedEnd, 0, i};
    uint8_t b = p[i];
    unsigned remaining = bits - shift;
    if (remaining < 7) {
      // The bits at and above the sign bit must all equal the sign bit.
      uint8_t mask = static_cast<uint8_t>((0x7F << (remaining - 1)) & 0x7F);
      if ((b & mask) != 0 && (b & mask) != mask)
        return {LebStatus::kTooLarge, 0, i};
    }
    r.value |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      unsigned used = shift + 7;
      if (used < 64 && (b & 0x40) != 0)
        r.value |= ~uint64_t{0} << used;
      r.length = i + 1;
      return r;
    }
  }
}

inline const char* LebStatusMessage(LebStatus s) {
  switch (s) {
    case LebStatus::kOk:
      return "ok";
    case LebStatus::kUnexpectedEnd:
      return "unexpected end";
    case LebStatus::kTooLong:
      return "integer representation too long";
    case LebStatus::kTooLarge:
      return "integer too large";
  }
  return "?";
}

}  // namespace capsa::engine
