// Values in a spec-test script: call arguments and expected results, with the
// patterns the script language allows (NaN classes, null / non-null refs).
// Pure functions only; nothing here touches the engine's store.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "engine/base/result.h"
#include "engine/module.h"
#include "engine/runtime.h"

namespace capsa::wast {

struct WastValue {
  enum class Pattern : uint8_t {
    kExact,          // bits: the value's bit pattern, or an externref's host number
    kCanonicalNan,   // nan:canonical
    kArithmeticNan,  // nan:arithmetic
    kNullRef,        // ref.null
    kNonNullRef,     // (ref.func) / (ref.extern) without a number: any non-null
    kAnyOfType,      // only the type is given (assert_trap's "expected" list)
  };
  engine::ValType type = engine::ValType::kI32;
  Pattern pattern = Pattern::kExact;
  uint64_t bits = 0;
};

// Parses wast2json's {"type": ..., "value": ...} fields. `value` is null when
// the field is absent.
Result<WastValue> ParseWastValue(std::string_view type, const std::string* value);

// The engine value for a call argument; fails for patterns that name no single
// value (NaN classes, non-null funcrefs, v128).
Result<engine::Value> ToEngineValue(const WastValue& v);

// Whether an engine result of type `expected.type` matches the expectation.
bool Matches(const WastValue& expected, engine::Value actual);

// "i32:42", "f32:1.5 [0x3fc00000]", "nan:canonical", "ref.null", "ref.extern 3".
std::string FormatExpected(const WastValue& v);
std::string FormatActual(engine::ValType type, engine::Value v);
// "(i32:1 i32:2)"
std::string FormatExpectedList(std::span<const WastValue> values);
std::string FormatActualList(std::span<const engine::ValType> types, std::span<const engine::Value> values);

}  // namespace capsa::wast
