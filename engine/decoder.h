// The WebAssembly 2.0 binary decoder: bytes → Module (structure only; function
// bodies are kept as bytes for the function compiler). Rejects malformed input
// with ErrorCode::kMalformed and the spec's wording, located as
//   "<section> section, offset 0xOFF: <what>"
// and SIMD (v128) with ErrorCode::kUnsupported. Does no validation beyond what
// the binary format itself requires; see module_validator.h.
#pragma once

#include <cstdint>
#include <span>

#include "engine/base/result.h"
#include "engine/module.h"

namespace capsa::engine {

// Total locals (parameters included) a function may declare: "too many locals".
inline constexpr uint64_t kMaxFunctionLocals = 50000;
// Declared locals summed over all bodies (capsa's limit, ErrorCode::kLimit).
inline constexpr uint64_t kMaxModuleLocals = uint64_t{1} << 24;

// Pure: reads only `bytes`. The result's `compiled` and `declared_func_refs`
// are empty; bodies[i].type_index is filled from the function section.
Result<Module> DecodeModule(std::span<const uint8_t> bytes);

}  // namespace capsa::engine
