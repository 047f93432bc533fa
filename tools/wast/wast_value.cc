#include "tools/wast/wast_value.h"

#include <bit>
#include <charconv>
#include <cinttypes>
#include <cstdio>

namespace capsa::wast {
namespace {

using engine::ValType;
using Pattern = WastValue::Pattern;

constexpr uint32_t kF32ExpMask = 0x7f800000u;
constexpr uint32_t kF32QuietBit = 0x00400000u;
constexpr uint64_t kF64ExpMask = 0x7ff0000000000000ull;
constexpr uint64_t kF64QuietBit = 0x0008000000000000ull;

Result<ValType> ParseType(std::string_view type) {
  if (type == "i32") return ValType::kI32;
  if (type == "i64") return ValType::kI64;
  if (type == "f32") return ValType::kF32;
  if (type == "f64") return ValType::kF64;
  if (type == "v128") return ValType::kV128;
  if (type == "funcref") return ValType::kFuncRef;
  if (type == "externref") return ValType::kExternRef;
  return MakeError(ErrorCode::kMalformed, "unknown value type \"" + std::string(type) + "\"");
}

Result<uint64_t> ParseU64(std::string_view text, uint64_t max) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) {
    return MakeError(ErrorCode::kMalformed, "bad number \"" + std::string(text) + "\"");
  }
  return v;
}

uint64_t MaxBits(ValType t) {
  return (t == ValType::kI32 || t == ValType::kF32) ? UINT32_MAX : UINT64_MAX;
}

// The bit pattern of a scalar result. f32/f64 are read through the integer
// members so that a signalling NaN is never loaded into a float register.
uint64_t ScalarBits(ValType t, engine::Value v) {
  return (t == ValType::kI32 || t == ValType::kF32) ? v.i32 : v.i64;
}

bool IsCanonicalNan(ValType t, uint64_t bits) {
  if (t == ValType::kF32) return (bits & 0x7fffffffu) == (kF32ExpMask | kF32QuietBit);
  return (bits & 0x7fffffffffffffffull) == (kF64ExpMask | kF64QuietBit);
}

bool IsArithmeticNan(ValType t, uint64_t bits) {
  if (t == ValType::kF32) return (bits & (kF32ExpMask | kF32QuietBit)) == (kF32ExpMask | kF32QuietBit);
  return (bits & (kF64ExpMask | kF64QuietBit)) == (kF64ExpMask | kF64QuietBit);
}

std::string FormatScalar(ValType t, uint64_t bits) {
  char buf[96];
  switch (t) {
    case ValType::kI32:
      std::snprintf(buf, sizeof buf, "i32:%" PRIu32, static_cast<uint32_t>(bits));
      break;
    case ValType::kI64:
      std::snprintf(buf, sizeof buf, "i64:%" PRIu64, bits);
      break;
    case ValType::kF32:
      std::snprintf(buf, sizeof buf, "f32:%.9g [0x%08" PRIx32 "]",
                    static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(bits))),
                    static_cast<uint32_t>(bits));
      break;
    case ValType::kF64:
      std::snprintf(buf, sizeof buf, "f64:%.17g [0x%016" PRIx64 "]", std::bit_cast<double>(bits), bits);
      break;
    default:
      std::snprintf(buf, sizeof buf, "%s:?", engine::ValTypeName(t));
      break;
  }
  return buf;
}

}  // namespace

Result<WastValue> ParseWastValue(std::string_view type, const std::string* value) {
  WastValue v;
  TRY_ASSIGN(v.type, ParseType(type));
  if (value == nullptr) {
    // (ref.extern) / (ref.func) in an expected result, or a type-only entry.
    v.pattern = Pattern::kAnyOfType;
    return v;
  }
  if (v.type == ValType::kV128) {
    return MakeError(ErrorCode::kUnsupported, "v128 values are not supported");
  }
  if (*value == "nan:canonical" || *value == "nan:arithmetic") {
    if (v.type != ValType::kF32 && v.type != ValType::kF64) {
      return MakeError(ErrorCode::kMalformed, *value + " for a non-float type");
    }
    v.pattern = *value == "nan:canonical" ? Pattern::kCanonicalNan : Pattern::kArithmeticNan;
    return v;
  }
  if (engine::IsRefType(v.type)) {
    if (*value == "null") {
      v.pattern = Pattern::kNullRef;
      return v;
    }
    // wast2json writes (ref.func) with a meaningless number: a function
    // reference cannot be named from a script, so it only means "non-null".
    if (v.type == ValType::kFuncRef) {
      v.pattern = Pattern::kNonNullRef;
      return v;
    }
  }
  TRY_ASSIGN(v.bits, ParseU64(*value, MaxBits(v.type)));
  return v;
}

Result<engine::Value> ToEngineValue(const WastValue& v) {
  if (v.pattern == Pattern::kNullRef) return engine::NullRef();
  if (v.pattern != Pattern::kExact) {
    return MakeError(ErrorCode::kUnsupported, FormatExpected(v) + " cannot be passed as an argument");
  }
  switch (v.type) {
    case ValType::kI32:
    case ValType::kF32:
      return engine::I32(static_cast<uint32_t>(v.bits));
    case ValType::kI64:
    case ValType::kF64:
      return engine::I64(v.bits);
    case ValType::kExternRef:
      return engine::MakeExternRef(v.bits);
    default:
      return MakeError(ErrorCode::kUnsupported, FormatExpected(v) + " cannot be passed as an argument");
  }
}

bool Matches(const WastValue& expected, engine::Value actual) {
  const ValType t = expected.type;
  switch (expected.pattern) {
    case Pattern::kAnyOfType:
      // As an expected result, (ref.extern) / (ref.func) mean "non-null".
      return engine::IsRefType(t) ? actual.bits != 0 : true;
    case Pattern::kNullRef:
      return actual.bits == 0;
    case Pattern::kNonNullRef:
      return actual.bits != 0;
    case Pattern::kCanonicalNan:
      return IsCanonicalNan(t, ScalarBits(t, actual));
    case Pattern::kArithmeticNan:
      return IsArithmeticNan(t, ScalarBits(t, actual));
    case Pattern::kExact:
      if (t == ValType::kExternRef) return actual.bits == engine::MakeExternRef(expected.bits).bits;
      if (t == ValType::kFuncRef || t == ValType::kV128) return false;
      return ScalarBits(t, actual) == expected.bits;
  }
  return false;
}

std::string FormatExpected(const WastValue& v) {
  const std::string type = engine::ValTypeName(v.type);
  switch (v.pattern) {
    case Pattern::kCanonicalNan: return type + ":nan:canonical";
    case Pattern::kArithmeticNan: return type + ":nan:arithmetic";
    case Pattern::kNullRef: return "ref.null " + type;
    case Pattern::kNonNullRef:
    case Pattern::kAnyOfType:
      return engine::IsRefType(v.type) ? "non-null " + type : type;
    case Pattern::kExact:
      if (v.type == ValType::kExternRef) return "ref.extern " + std::to_string(v.bits);
      return FormatScalar(v.type, v.bits);
  }
  return type;
}

std::string FormatActual(ValType type, engine::Value v) {
  if (type == ValType::kExternRef) {
    return v.bits == 0 ? "ref.null externref" : "ref.extern " + std::to_string(v.bits - 1);
  }
  if (type == ValType::kFuncRef) {
    if (v.func == nullptr) return "ref.null funcref";
    return "ref.func " + (v.func->name.empty() ? std::string("?") : v.func->name);
  }
  return FormatScalar(type, ScalarBits(type, v));
}

std::string FormatExpectedList(std::span<const WastValue> values) {
  std::string out = "(";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? " " : "") + FormatExpected(values[i]);
  return out + ")";
}

std::string FormatActualList(std::span<const engine::ValType> types, std::span<const engine::Value> values) {
  std::string out = "(";
  for (size_t i = 0; i < values.size(); ++i) {
    out += (i ? " " : "");
    out += i < types.size() ? FormatActual(types[i], values[i]) : "?";
  }
  return out + ")";
}

}  // namespace capsa::wast
