// Exact WebAssembly semantics for the numeric operations that C++ does not
// give directly: float min/max (NaN, ±0), nearest (ties to even), trapping
// and saturating float-to-int truncation. Pure functions.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace capsa::engine {

template <typename F>
inline F WasmMin(F a, F b) {
  if (std::isnan(a) || std::isnan(b)) return a + b;  // a quiet NaN carrying an input payload
  if (a == b) return std::signbit(a) ? a : b;         // min(-0, +0) = -0
  return a < b ? a : b;
}

template <typename F>
inline F WasmMax(F a, F b) {
  if (std::isnan(a) || std::isnan(b)) return a + b;
  if (a == b) return std::signbit(a) ? b : a;  // max(-0, +0) = +0
  return a > b ? a : b;
}

// Round to nearest, ties to even (the default rounding mode, which capsa
// never changes).
// Every rounding result of a NaN must be a quiet (arithmetic) NaN; libm's
// floor/ceil/trunc may return a signalling NaN operand unchanged.
template <typename F>
inline F WasmNearest(F x) { return std::isnan(x) ? x + x : std::nearbyint(x); }
template <typename F>
inline F WasmCeil(F x) { return std::isnan(x) ? x + x : std::ceil(x); }
template <typename F>
inline F WasmFloor(F x) { return std::isnan(x) ? x + x : std::floor(x); }
template <typename F>
inline F WasmTrunc(F x) { return std::isnan(x) ? x + x : std::trunc(x); }

inline uint32_t F32Bits(float f) { return std::bit_cast<uint32_t>(f); }
inline uint64_t F64Bits(double f) { return std::bit_cast<uint64_t>(f); }

inline float F32Abs(float f) { return std::bit_cast<float>(F32Bits(f) & 0x7FFFFFFFu); }
inline float F32Neg(float f) { return std::bit_cast<float>(F32Bits(f) ^ 0x80000000u); }
inline float F32Copysign(float a, float b) {
  return std::bit_cast<float>((F32Bits(a) & 0x7FFFFFFFu) | (F32Bits(b) & 0x80000000u));
}
inline double F64Abs(double f) { return std::bit_cast<double>(F64Bits(f) & ~(uint64_t{1} << 63)); }
inline double F64Neg(double f) { return std::bit_cast<double>(F64Bits(f) ^ (uint64_t{1} << 63)); }
inline double F64Copysign(double a, double b) {
  constexpr uint64_t kSign = uint64_t{1} << 63;
  return std::bit_cast<double>((F64Bits(a) & ~kSign) | (F64Bits(b) & kSign));
}

enum class TruncResult : uint8_t { kOk, kNaN, kOverflow };

// Float -> integer truncation toward zero; fails on NaN and out-of-range.
template <typename I, typename F>
inline TruncResult TruncChecked(F x, I* out) {
  if (std::isnan(x)) return TruncResult::kNaN;
  constexpr bool kSigned = std::is_signed_v<I>;
  constexpr int kBits = sizeof(I) * 8;
  // 2^(bits-1) or 2^bits: exact in every float format.
  constexpr double kPow = kSigned ? (kBits == 32 ? 2147483648.0 : 9223372036854775808.0)
                                  : (kBits == 32 ? 4294967296.0 : 18446744073709551616.0);
  constexpr F kLimit = static_cast<F>(kPow);
  bool in_range;
  if constexpr (kSigned) {
    // The lower bound -2^(bits-1) itself is representable.
    in_range = x >= -kLimit && x < kLimit;
    if (!in_range && x < -kLimit && x > -kLimit - 1) in_range = std::trunc(x) >= -kLimit;
  } else {
    in_range = x > static_cast<F>(-1) && x < kLimit;
  }
  if (!in_range) return TruncResult::kOverflow;
  *out = static_cast<I>(x);
  return TruncResult::kOk;
}

template <typename I, typename F>
inline I TruncSat(F x) {
  if (std::isnan(x)) return 0;
  I out;
  if (TruncChecked<I, F>(x, &out) == TruncResult::kOk) return out;
  return x < 0 ? std::numeric_limits<I>::min() : std::numeric_limits<I>::max();
}

}  // namespace capsa::engine
