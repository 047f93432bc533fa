// Canonical signature ids: structurally equal function types get the same
// nonzero id process-wide, so call_indirect's signature check is one integer
// compare instead of comparing two pairs of vectors.
#pragma once

#include <cstdint>

#include "engine/module.h"

namespace capsa::engine {

// Thread-safe; ids are never reused. 0 is never returned (it means "not yet
// computed" in FunctionInstance::type_id).
uint32_t CanonicalTypeId(const FuncType& type);

}  // namespace capsa::engine
