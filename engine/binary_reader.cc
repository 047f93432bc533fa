#include "engine/binary_reader.h"

#include <cstdio>

#include "engine/leb128.h"

namespace capsa::engine {

bool IsValidUtf8(std::span<const uint8_t> s) {
  size_t i = 0;
  while (i < s.size()) {
    uint8_t b = s[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    uint32_t min;
    if ((b & 0xE0) == 0xC0) {
      n = 1, cp = b & 0x1F, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
      n = 2, cp = b & 0x0F, min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
      n = 3, cp = b & 0x07, min = 0x10000;
    } else {
      return false;  // a continuation byte or 0xF8..0xFF as a lead byte
    }
    if (s.size() - i - 1 < n)
      return false;
    for (size_t k = 1; k <= n; ++k) {
      uint8_t c = s[i + k];
      if ((c & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

Error BinaryReader::Fail(size_t offset, std::string_view message, ErrorCode code) const {
  char where[32];
  std::snprintf(where, sizeof where, "0x%zx", offset);
  std::string m;
  m.reserve(what_.size() + message.size() + 32);
  m.append(what_).append(", offset ").append(where).append(": ").append(message);
  return Error{code, std::move(m)};
}

Error BinaryReader::EndError() const {
  return Fail(limit_, end_message_);
}

Result<uint8_t> BinaryReader::U8() {
  if (pos_ >= limit_)
    return EndError();
  return bytes_[pos_++];
}

Result<uint8_t> BinaryReader::PeekU8() const {
  if (pos_ >= limit_)
    return EndError();
  return bytes_[pos_];
}

Result<uint64_t> BinaryReader::Leb(bool is_signed, unsigned bits) {
  const uint8_t* p = bytes_.data() + pos_;
  const uint8_t* end = bytes_.data() + limit_;
  LebResult r = is_signed ? DecodeSleb(p, end, bits) : DecodeUleb(p, end, bits);
  if (r.status == LebStatus::kUnexpectedEnd)
    return EndError();
  if (r.status != LebStatus::kOk)
    return Fail(pos_ + r.length, LebStatusMessage(r.status));
  pos_ += r.length;
  return r.value;
}

Result<uint32_t> BinaryReader::U32() {
  TRY_ASSIGN(uint64_t v, Leb(false, 32));
  return static_cast<uint32_t>(v);
}

Result<uint32_t> BinaryReader::U1() {
  TRY_ASSIGN(uint64_t v, Leb(false, 1));
  return static_cast<uint32_t>(v);
}

Result<int32_t> BinaryReader::S32() {
  TRY_ASSIGN(uint64_t v, Leb(true, 32));
  return static_cast<int32_t>(v);
}

Result<int64_t> BinaryReader::S33() {
  TRY_ASSIGN(uint64_t v, Leb(true, 33));
  return static_cast<int64_t>(v);
}

Result<int64_t> BinaryReader::S64() {
  TRY_ASSIGN(uint64_t v, Leb(true, 64));
  return static_cast<int64_t>(v);
}

Result<uint32_t> BinaryReader::Fixed32() {
  TRY_ASSIGN(auto b, Bytes(4));
  return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
}

Result<uint64_t> BinaryReader::Fixed64() {
  TRY_ASSIGN(uint64_t lo, Fixed32());
  TRY_ASSIGN(uint64_t hi, Fixed32());
  return lo | hi << 32;
}

Result<uint32_t> BinaryReader::Len32() {
  size_t start = pos_;
  TRY_ASSIGN(uint32_t n, U32());
  if (n > bytes_.size() - start)
    return Fail(start, "length out of bounds");
  return n;
}

Result<std::span<const uint8_t>> BinaryReader::Bytes(size_t n) {
  if (n > limit_ - pos_)
    return EndError();
  auto s = bytes_.subspan(pos_, n);
  pos_ += n;
  return s;
}

Result<std::string> BinaryReader::Name() {
  size_t start = pos_;
  TRY_ASSIGN(uint32_t n, Len32());
  TRY_ASSIGN(auto s, Bytes(n));
  if (!IsValidUtf8(s))
    return Fail(start, "malformed UTF-8 encoding");
  return std::string(s.begin(), s.end());
}

// Type bytes are one-byte signed LEB128s in the spec's grammar; a
// continuation bit makes them overlong, as the reference interpreter reports.
Result<uint8_t> BinaryReader::TypeByte() {
  size_t at = pos_;
  TRY_ASSIGN(uint8_t b, U8());
  if (b & 0x80)
    return Fail(at + 1, "integer representation too long");
  return b;
}

Result<ValType> BinaryReader::ReadValType() {
  size_t at = pos_;
  TRY_ASSIGN(uint8_t b, TypeByte());
  switch (b) {
    case 0x7F:
    case 0x7E:
    case 0x7D:
    case 0x7C:
    case 0x70:
    case 0x6F:
      return static_cast<ValType>(b);
    case 0x7B:
      return Fail(at, "v128 (SIMD) is not supported", ErrorCode::kUnsupported);
    default:
      return Fail(at, "malformed value type");
  }
}

Result<ValType> BinaryReader::ReadRefType() {
  size_t at = pos_;
  TRY_ASSIGN(uint8_t b, TypeByte());
  if (b == 0x70 || b == 0x6F)
    return static_cast<ValType>(b);
  return Fail(at, "malformed reference type");
}

Result<Limits> BinaryReader::ReadLimits() {
  Limits l;
  TRY_ASSIGN(uint32_t has_max, U1());
  TRY_ASSIGN(l.min, U32());
  if (has_max) {
    TRY_ASSIGN(uint64_t max, U32());
    l.max = max;
  }
  return l;
}

}  // namespace capsa::engine
