// The `spectest` host module every spec-test script may import from.
#pragma once

#include "engine/base/result.h"
#include "engine/runtime.h"

namespace capsa::wast {

// Defines spectest.{print, print_i32, print_i64, print_f32, print_f64,
// print_i32_f32, print_f64_f64, global_i32 (666), global_i64 (666),
// global_f32 (666.6), global_f64 (666.6), table (10..20 funcref),
// memory (1..2 pages)} in `linker`. The linker shares ownership of the table,
// memory and globals; the print functions print nothing (scripts only check
// that they can be imported and called).
Result<void> DefineSpectest(engine::Linker& linker);

}  // namespace capsa::wast
