// Stand-ins for the function compiler and interpreter (engine/interp/), linked
// into engine_front_test only while engine/interp/ has no CMakeLists.txt. They
// do just enough for instantiation tests: compile to a token, and invoke host
// functions (start functions in these tests are imported host functions).
#include "engine/interp/compiler.h"
#include "engine/runtime.h"

namespace capsa::engine {

namespace {
char token;
}

void DestroyCompiledFunction(CompiledFunction*) {}

Result<CompiledFunctionPtr> CompileFunction(const Module&, uint32_t) {
  return CompiledFunctionPtr(reinterpret_cast<CompiledFunction*>(&token));
}

const char* TrapKindMessage(TrapKind kind) {
  switch (kind) {
    case TrapKind::kMemoryOutOfBounds: return "out of bounds memory access";
    case TrapKind::kTableOutOfBounds: return "out of bounds table access";
    default: return "trap";
  }
}

std::variant<std::vector<Value>, Trap> Invoke(FunctionInstance& func, std::span<const Value> args) {
  if (!func.host) {
    Trap t;
    t.kind = TrapKind::kHostError;
    t.message = "stub interpreter cannot run wasm code";
    return t;
  }
  std::vector<Value> results(func.type.results.size(), NullRef());
  CallContext ctx{nullptr, nullptr};
  if (auto trap = func.host(ctx, args, results)) return *trap;
  return results;
}

}  // namespace capsa::engine
