// Helpers for the engine front-half tests: a tiny hand assembler for module
// binaries, so each malformed/invalid case is a few visible bytes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "engine/runtime.h"

namespace capsa::engine::testing {

using Bytes = std::vector<uint8_t>;

inline Bytes Leb(uint64_t v) {
  Bytes out;
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    if (v)
      b |= 0x80;
    out.push_back(b);
  } while (v);
  return out;
}

inline Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes Str(const std::string& s) {
  return Cat({Leb(s.size()), Bytes(s.begin(), s.end())});
}

// A vector: count, then the items.
inline Bytes Vec(std::initializer_list<Bytes> items) {
  Bytes out = Leb(items.size());
  for (const Bytes& i : items)
    out.insert(out.end(), i.begin(), i.end());
  return out;
}

// A section with a correct size.
inline Bytes Sec(uint8_t id, const Bytes& payload) {
  return Cat({{id}, Leb(payload.size()), payload});
}

// Header + sections.
inline Bytes Wasm(std::initializer_list<Bytes> sections = {}) {
  Bytes out = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
  for (const Bytes& s : sections)
    out.insert(out.end(), s.begin(), s.end());
  return out;
}

// Common pieces.
inline const Bytes kTypeVoid = {0x60, 0x00, 0x00};             // [] -> []
inline const Bytes kTypeI32ToVoid = {0x60, 0x01, 0x7F, 0x00};  // [i32] -> []
inline Bytes TypeSec(std::initializer_list<Bytes> types) {
  return Sec(1, Vec(types));
}
inline Bytes FuncSec(std::initializer_list<Bytes> type_indices) {
  return Sec(3, Vec(type_indices));
}
// Code section of `n` empty bodies (no locals, just `end`).
inline Bytes EmptyBodies(size_t n) {
  Bytes payload = Leb(n);
  for (size_t i = 0; i < n; ++i)
    payload.insert(payload.end(), {0x02, 0x00, 0x0B});
  return Sec(10, payload);
}
inline Bytes I32Const(int32_t v) {
  Bytes out = {0x41};
  // Signed LEB128.
  int64_t x = v;
  for (;;) {
    uint8_t b = x & 0x7F;
    x >>= 7;
    bool done = (x == 0 && !(b & 0x40)) || (x == -1 && (b & 0x40));
    out.push_back(done ? b : (b | 0x80));
    if (done)
      break;
  }
  out.push_back(0x0B);
  return out;
}

// Reads a file produced at build time (e.g. a .wasm from capsa_add_wat).
Bytes ReadFile(const std::string& path);

// Loads bytes that must be valid; fails the current test otherwise.
std::shared_ptr<const Module> MustLoad(const Bytes& bytes);

}  // namespace capsa::engine::testing
