// A bounds-checked cursor over a module binary that produces the spec's
// malformed-module errors, located as "<section> section, offset 0xOFF: <what>"
// (OFF is the absolute offset in the binary). Never reads outside [0, limit).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "engine/base/result.h"
#include "engine/module.h"

namespace capsa::engine {

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool IsValidUtf8(std::span<const uint8_t> s);

class BinaryReader {
 public:
  // `what` prefixes messages, e.g. "type section" → "type section, offset 0x1a: ...".
  // `end_message` is reported when a read runs past `limit`.
  BinaryReader(std::span<const uint8_t> bytes,
               size_t pos,
               size_t limit,
               std::string what,
               std::string_view end_message = "unexpected end of section or function")
      : bytes_(bytes),
        pos_(pos),
        limit_(limit),
        what_(std::move(what)),
        end_message_(end_message) {}

  size_t pos() const { return pos_; }
  size_t limit() const { return limit_; }
  bool AtEnd() const { return pos_ >= limit_; }
  std::span<const uint8_t> bytes() const { return bytes_; }
  const std::string& what() const { return what_; }
  void set_what(std::string what) { what_ = std::move(what); }
  void Seek(size_t pos) { pos_ = pos; }

  Error Fail(size_t offset, std::string_view message, ErrorCode code = ErrorCode::kMalformed) const;
  // Failure message for running off the end of this region.
  Error EndError() const;

  Result<uint8_t> U8();
  Result<uint8_t> PeekU8() const;
  Result<uint32_t> U32();
  Result<uint32_t> U1();  // a LEB128 u1 (limits/flags): 0 or 1
  Result<int32_t> S32();
  Result<int64_t> S33();
  Result<int64_t> S64();
  Result<uint32_t> Fixed32();
  Result<uint64_t> Fixed64();
  // A u32 length/count that must not exceed the bytes left in the whole
  // binary, measured from the length's own first byte (the reference
  // interpreter's rule): "length out of bounds".
  Result<uint32_t> Len32();
  Result<std::span<const uint8_t>> Bytes(size_t n);
  Result<std::string> Name();  // length-prefixed UTF-8
  Result<uint8_t> TypeByte();  // a type-constructor byte (value, reference, function type)
  Result<ValType> ReadValType();
  Result<ValType> ReadRefType();
  Result<Limits> ReadLimits();

 private:
  Result<uint64_t> Leb(bool is_signed, unsigned bits);

  std::span<const uint8_t> bytes_;
  size_t pos_;
  size_t limit_;
  std::string what_;
  std::string_view end_message_;
};

}  // namespace capsa::engine
