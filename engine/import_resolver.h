// Import matching for instantiation (WebAssembly 2.0 §4.5.4 "import
// subtyping"). Pure: reads the module, the linker and the candidate externs.
#pragma once

#include <string>

#include "engine/base/result.h"
#include "engine/module.h"
#include "engine/runtime.h"

namespace capsa::engine {

// "(i32, i64) -> (f32)".
std::string FuncTypeString(const FuncType& t);

// Finds `import` in `linker` and checks it against the import's type. Errors
// are kUnlinkable: `import "m"."n": unknown import` or
// `import "m"."n": incompatible import type: <why>`.
Result<Extern> ResolveImport(const Module& module, const Import& import, const Linker& linker);

}  // namespace capsa::engine
