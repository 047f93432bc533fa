// Reads the immediates of one function body's instructions (LEB128 integers,
// raw float bits, single bytes). Decoding errors use the spec test suite's
// wording and ErrorCode::kMalformed; the caller adds the location.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/base/result.h"

namespace capsa::engine {

class BodyReader {
 public:
  explicit BodyReader(const std::vector<uint8_t>& bytes) : bytes_(bytes) {}

  size_t pos() const { return pos_; }
  bool at_end() const { return pos_ >= bytes_.size(); }

  Result<uint8_t> PeekByte() const {
    if (pos_ >= bytes_.size()) return Malformed("unexpected end of section or function");
    return bytes_[pos_];
  }
  Result<uint8_t> ReadByte() {
    if (pos_ >= bytes_.size()) return Malformed("unexpected end of section or function");
    return bytes_[pos_++];
  }
  Result<uint32_t> ReadU32() {
    TRY_ASSIGN(uint64_t v, ReadLeb(32, false));
    return static_cast<uint32_t>(v);
  }
  Result<uint32_t> ReadS32() {
    TRY_ASSIGN(uint64_t v, ReadLeb(32, true));
    return static_cast<uint32_t>(v);
  }
  Result<uint64_t> ReadS64() { return ReadLeb(64, true); }
  // A signed 33-bit block type index, sign-extended.
  Result<int64_t> ReadS33() {
    TRY_ASSIGN(uint64_t v, ReadLeb(33, true));
    return static_cast<int64_t>(v);
  }
  Result<uint64_t> ReadFixed(int bytes) {
    if (bytes_.size() - pos_ < static_cast<size_t>(bytes) || pos_ > bytes_.size())
      return Malformed("unexpected end of section or function");
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(bytes_[pos_ + i]) << (8 * i);
    pos_ += bytes;
    return v;
  }

 private:
  static Error Malformed(const char* what) { return Error{ErrorCode::kMalformed, what}; }

  // Unsigned or signed LEB128 of at most `bits` bits; unused bits of the last
  // byte must be zero (unsigned) or copies of the sign bit (signed).
  Result<uint64_t> ReadLeb(int bits, bool is_signed) {
    uint64_t result = 0;
    int shift = 0;
    const int max_bytes = (bits + 6) / 7;
    for (int i = 0;; ++i) {
      if (pos_ >= bytes_.size()) return Malformed("unexpected end of section or function");
      uint8_t byte = bytes_[pos_++];
      if (i == max_bytes - 1) {
        if (byte & 0x80) return Malformed("integer representation too long");
        int used = bits - shift;  // bits of this byte that carry the value (1..7)
        if (is_signed) {
          // Bits from `used - 1` up to bit 6 must all equal the sign bit.
          uint8_t mask = static_cast<uint8_t>((0x7F >> (used - 1)) << (used - 1)) & 0x7F;
          uint8_t high = byte & mask;
          if (high != 0 && high != mask) return Malformed("integer too large");
        } else if (used < 7 && (byte & 0x7F) >> used) {
          return Malformed("integer too large");
        }
      }
      result |= static_cast<uint64_t>(byte & 0x7F) << shift;
      shift += 7;
      if (!(byte & 0x80)) {
        if (is_signed && shift < 64 && (byte & 0x40)) result |= ~uint64_t{0} << shift;
        break;
      }
    }
    if (bits < 64) {
      if (is_signed) {
        // Sign-extend from `bits` to 64 (already done for short encodings).
        uint64_t sign = uint64_t{1} << (bits - 1);
        result &= (uint64_t{1} << bits) - 1;
        result = (result ^ sign) - sign;
      } else {
        result &= (uint64_t{1} << bits) - 1;
      }
    }
    return result;
  }

  const std::vector<uint8_t>& bytes_;
  size_t pos_ = 0;
};

}  // namespace capsa::engine
