// Module-level validation (WebAssembly 2.0, §3.4.10): everything except the
// function bodies, which the function compiler validates as it translates
// them. Errors are ErrorCode::kInvalid with the spec's wording, located as
//   "<section> section, offset 0xOFF: <what>".
#pragma once

#include "engine/base/result.h"
#include "engine/module.h"

namespace capsa::engine {

// Validates a decoded module. On success also fills module.declared_func_refs
// and the result types of `global.get` constant expressions. Pure.
Result<void> ValidateModule(Module& module);

}  // namespace capsa::engine
