// The function compiler: validates one function body and translates it into
// the interpreter's internal code in a single pass. Owned by engine/interp/.
#pragma once

#include <cstdint>

#include "engine/base/result.h"
#include "engine/module.h"

namespace capsa::engine {

// Validates and translates module.bodies[defined_index] (function index
// module.num_imported_functions + defined_index). `module` must already be
// decoded and its module-level structure validated (types, index spaces,
// globals, data_count). Error messages are located:
//   "code section, function N, offset 0xOFF: <what>"
// with N the function index and OFF the byte offset in the module binary.
Result<CompiledFunctionPtr> CompileFunction(const Module& module, uint32_t defined_index);

}  // namespace capsa::engine
