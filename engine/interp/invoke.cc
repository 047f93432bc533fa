// Invoke(): the entry from host code into wasm (and host) functions, the
// per-thread execution state, and the trap wordings.
#include <algorithm>
#include <cstring>

#include "engine/interp/code.h"
#include "engine/interp/exec_state.h"
#include "engine/runtime.h"

namespace capsa::engine {

const char* TrapKindMessage(TrapKind kind) {
  switch (kind) {
    case TrapKind::kUnreachable: return "unreachable";
    case TrapKind::kMemoryOutOfBounds: return "out of bounds memory access";
    case TrapKind::kTableOutOfBounds: return "out of bounds table access";
    case TrapKind::kIntegerDivideByZero: return "integer divide by zero";
    case TrapKind::kIntegerOverflow: return "integer overflow";
    case TrapKind::kInvalidConversion: return "invalid conversion to integer";
    case TrapKind::kIndirectCallTypeMismatch: return "indirect call type mismatch";
    case TrapKind::kUndefinedElement: return "undefined element";
    case TrapKind::kUninitializedElement: return "uninitialized element";
    case TrapKind::kCallStackExhausted: return "call stack exhausted";
    case TrapKind::kOutOfFuel: return "all fuel consumed";
    case TrapKind::kHostError: return "host error";
    case TrapKind::kExit: return "exit";
  }
  return "unknown trap";
}

namespace {

thread_local std::unique_ptr<ExecState> tls_state;

Trap MakeTrap(TrapKind kind, std::string name = {}) {
  Trap t;
  t.kind = kind;
  t.message = TrapKindMessage(kind);
  if (!name.empty()) t.backtrace.push_back(std::move(name));
  return t;
}

// The thread's state, sized for `limits` unless wasm is already running on
// this thread (a host function calling back in keeps the outer limits).
ExecState& StateFor(const ExecLimits& limits) {
  ExecState* st = tls_state.get();
  if (st && st->depth > 0) return *st;
  uint64_t slots = std::max<uint64_t>(limits.max_value_stack_bytes / sizeof(Value), 1);
  if (!st || static_cast<uint64_t>(st->stack_end - st->stack_begin) != slots ||
      st->max_depth != limits.max_call_depth) {
    tls_state = std::make_unique<ExecState>();
    st = tls_state.get();
    // new Value[] leaves the slots uninitialised: large stacks are committed lazily.
    st->stack.reset(new Value[slots]);
    st->stack_begin = st->stack.get();
    st->stack_end = st->stack_begin + slots;
    st->max_depth = limits.max_call_depth;
    st->frames.reset(new Frame[limits.max_call_depth + 1]);
  }
  st->stack_top = st->stack_begin;
  return *st;
}

std::variant<std::vector<Value>, Trap> InvokeHost(FunctionInstance& func, std::span<const Value> args) {
  std::vector<Value> results(func.type.results.size(), NullRef());
  CallContext ctx{nullptr, nullptr};
  std::optional<Trap> trap = func.host(ctx, args, results);
  if (trap) {
    if (trap->message.empty()) trap->message = TrapKindMessage(trap->kind);
    return std::move(*trap);
  }
  return results;
}

}  // namespace

std::variant<std::vector<Value>, Trap> Invoke(FunctionInstance& func, std::span<const Value> args) {
  if (args.size() != func.type.params.size()) {
    Trap t = MakeTrap(TrapKind::kHostError, func.name);
    t.message = "argument count mismatch";
    return t;
  }
  if (!func.code) {
    if (!func.host) return MakeTrap(TrapKind::kHostError, func.name);
    return InvokeHost(func, args);
  }
  Instance* inst = func.instance;
  ExecState& st = StateFor(inst->exec);
  const bool outermost = st.depth == 0;
  if (outermost) st.fuel = inst->exec.fuel ? static_cast<int64_t>(std::min<uint64_t>(*inst->exec.fuel, INT64_MAX)) : INT64_MAX;

  Value* fp = st.stack_top;
  if (st.depth >= st.max_depth || func.code->frame_slots > static_cast<uint64_t>(st.stack_end - fp))
    return MakeTrap(TrapKind::kCallStackExhausted, func.name);
  std::copy(args.begin(), args.end(), fp);
  Value* saved_top = st.stack_top;
  std::optional<Trap> trap = Execute(st, &func, fp);
  st.stack_top = saved_top;
  if (outermost && inst->exec.fuel) inst->exec.fuel = static_cast<uint64_t>(std::max<int64_t>(st.fuel, 0));
  if (trap) return std::move(*trap);
  return std::vector<Value>(fp, fp + func.type.results.size());
}

}  // namespace capsa::engine
