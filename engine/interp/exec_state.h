// The interpreter's execution state: the value stack (frames of slots) and
// the call-frame stack, both separate from the native stack, so guest
// recursion depth is bounded by ExecLimits and never by the C++ stack.
//
// One ExecState per thread serves every instance, because wasm calls cross
// instances freely (imported wasm functions). A host function that calls back
// into wasm (Invoke) continues on the same stacks above the caller's frame.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "engine/runtime.h"

namespace capsa::engine {

struct Frame {
  FunctionInstance* func;   // running in this frame
  const uint64_t* ret_ip;   // where the caller continues; null: return to Invoke
  Value* ret_fp;            // the caller's frame base
};

struct ExecState {
  std::unique_ptr<Value[]> stack;
  Value* stack_begin = nullptr;
  Value* stack_end = nullptr;
  std::unique_ptr<Frame[]> frames;
  uint32_t max_depth = 0;
  uint32_t depth = 0;          // frames in use
  Value* stack_top = nullptr;  // first slot not used by any active frame
  // Remaining fuel; INT64_MAX when unlimited. Charged one unit per function
  // entry and one per loop iteration (each time a loop header is reached).
  int64_t fuel = INT64_MAX;
};

// Runs `func` (a wasm function) with its arguments already in fp[0..params).
// The caller has checked stack space and depth for this first frame. On
// success the results are in fp[0..results).
std::optional<Trap> Execute(ExecState& state, FunctionInstance* func, Value* fp);

}  // namespace capsa::engine
