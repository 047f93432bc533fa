// The threaded interpreter loop. Each handler ends by jumping straight to the
// next instruction's handler (GCC computed goto), so there is no central
// dispatch branch. Wasm-to-wasm calls push a Frame and stay in this loop; the
// native stack does not grow with guest recursion.
//
// Register state: ip (current instruction), fp (frame base), inst (instance
// of the running function), mem_base/mem_size (its memory 0, reloaded after
// anything that may grow it: memory.grow, calls, host calls), fuel, depth.
//
// Memory bounds: explicit checks, with guard pages only as a second line.
// Every load and store computes the effective address in 64 bits (u32 address
// + u32 static offset, so it cannot wrap) and compares its end with mem_size
// before touching memory; bulk operations check (start + length) the same way.
// LinearMemory (engine/linear_memory.cc) additionally reserves 8 GiB of
// PROT_NONE address space around every memory, so even a missed check could
// only fault, never reach other data. We do not rely on the guard pages alone
// (as wasmtime/V8 do) because turning SIGSEGV into a precise wasm trap needs a
// signal handler that unwinds out of the interpreter loop inside the
// seccomp-locked worker, and the check is cheap here: one compare with a value
// held in a register and a never-taken branch, next to an indirect jump per
// instruction. A JIT would switch to guard pages.
//
// Fuel: a module loaded with LoadOptions::fuel_metering = false has no Fuel
// op at its loop headers (back edges jump straight to the body); function
// entries are always charged, which costs a decrement and a never-taken
// branch. Instantiate refuses a fuel limit on such a module.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "engine/interp/code.h"
#include "engine/interp/exec_state.h"
#include "engine/interp/numeric.h"
#include "engine/interp/type_ids.h"

namespace capsa::engine {
namespace {

Value EvalElemExpr(Instance* inst, const ConstExpr& e) {
  switch (e.kind) {
    case ConstExpr::Kind::kRefFunc: {
      Value v;
      v.func = inst->functions[e.bits].get();
      return v;
    }
    case ConstExpr::Kind::kGlobalGet:
      return inst->globals[e.bits]->value;
    default:
      return NullRef();
  }
}

// The loop itself. With state == nullptr it only returns the handler table.
const void* const* Run(ExecState* state, FunctionInstance* entry, Value* entry_fp,
                       std::optional<Trap>* out_trap) {
  static const void* const kHandlers[] = {
#define CAPSA_OP_LABEL(name) &&L_##name,
      CAPSA_INTERP_OPS(CAPSA_OP_LABEL)
#undef CAPSA_OP_LABEL
  };
  static_assert(std::size(kHandlers) == static_cast<size_t>(Op::kCount));
  if (state == nullptr) return kHandlers;

  ExecState& st = *state;
  Frame* const frames = st.frames.get();
  const uint32_t entry_depth = st.depth;
  uint32_t depth = st.depth;
  int64_t fuel = st.fuel;
  Instance* inst = entry->instance;
  uint8_t* mem_base = nullptr;
  uint64_t mem_size = 0;
  const uint64_t* ip;
  Value* fp;
  TrapKind trap_kind = TrapKind::kUnreachable;
  uint32_t trap_index = 0;  // the table index, for "uninitialized element N"
  std::optional<Trap> host_trap;

  // Call setup shared by call, call_indirect and the entry.
  FunctionInstance* callee = entry;
  Value* new_fp = entry_fp;
  const uint64_t* ret_ip = nullptr;
  fp = nullptr;

#define R(k) fp[ip[k]]
#define DISPATCH() goto* reinterpret_cast<const void*>(ip[0])
#define NEXT(n)  \
  do {           \
    ip += (n);   \
    DISPATCH();  \
  } while (0)
#define TRAP(kind)       \
  do {                   \
    trap_kind = (kind);  \
    goto trap;           \
  } while (0)
#define RELOAD_MEMORY()                                    \
  do {                                                     \
    if (inst->memories.empty()) {                          \
      mem_base = nullptr;                                  \
      mem_size = 0;                                        \
    } else {                                               \
      const LinearMemory* m = inst->memories[0].get();     \
      mem_base = m->data();                                \
      mem_size = m->size();                                \
    }                                                      \
  } while (0)

  RELOAD_MEMORY();
  goto do_call;

do_call: {
  if (const CompiledFunction* cf = callee->code) {
    if (depth >= st.max_depth || cf->frame_slots > static_cast<uint64_t>(st.stack_end - new_fp))
      TRAP(TrapKind::kCallStackExhausted);
    if (--fuel < 0) TRAP(TrapKind::kOutOfFuel);
    frames[depth++] = Frame{callee, ret_ip, fp};
    std::memset(static_cast<void*>(new_fp + cf->num_params), 0, cf->num_locals * sizeof(Value));
    fp = new_fp;
    ip = cf->code.data();
    if (callee->instance != inst) {
      inst = callee->instance;
      RELOAD_MEMORY();
    }
    DISPATCH();
  }
  // A host function. Arguments are copied out because results overwrite them.
  if (!callee->host) TRAP(TrapKind::kHostError);
  {
    // Scoped so `large` is destroyed before the computed goto below: an
    // indirect goto skips destructors (leaking it), and clang rejects it.
    const size_t np = callee->type.params.size(), nr = callee->type.results.size();
    Value small[16];
    std::vector<Value> large;
    Value* args = small;
    if (np > std::size(small)) {
      large.resize(np);
      args = large.data();
    }
    std::copy(new_fp, new_fp + np, args);
    st.depth = depth;
    st.fuel = fuel;
    st.stack_top = new_fp + std::max(np, nr);
    CallContext ctx{inst, inst->memories.empty() ? nullptr : inst->memories[0].get()};
    host_trap = callee->host(ctx, std::span<const Value>(args, np), std::span<Value>(new_fp, nr));
  }
  fuel = st.fuel;
  if (host_trap) goto trap;
  RELOAD_MEMORY();
  ip = ret_ip;
  DISPATCH();
}

L_Return: {
  const Frame& f = frames[--depth];
  if (f.ret_ip == nullptr) {
    st.depth = depth;
    st.fuel = fuel;
    return nullptr;
  }
  ip = f.ret_ip;
  fp = f.ret_fp;
  inst = frames[depth - 1].func->instance;
  RELOAD_MEMORY();  // the callee may have grown the memory
  DISPATCH();
}

L_Call:
  callee = inst->functions[ip[1]].get();
  new_fp = fp + ip[2];
  ret_ip = ip + 3;
  goto do_call;

L_CallIndirect: {
  const TableInstance* table = inst->tables[ip[2]].get();
  const uint32_t i = R(4).i32;
  if (i >= table->elements.size()) TRAP(TrapKind::kUndefinedElement);
  callee = table->elements[i].func;
  if (callee == nullptr) {
    trap_index = i;
    TRAP(TrapKind::kUninitializedElement);
  }
  // ip[1] is the expected signature's canonical id; a callee's own id is
  // computed on its first indirect call.
  if (callee->type_id != ip[1]) [[unlikely]] {
    if (callee->type_id == 0) callee->type_id = CanonicalTypeId(callee->type);
    if (callee->type_id != ip[1]) TRAP(TrapKind::kIndirectCallTypeMismatch);
  }
  new_fp = fp + ip[3];
  ret_ip = ip + 5;
  goto do_call;
}

L_Unreachable:
  TRAP(TrapKind::kUnreachable);
L_Fuel:
  if (--fuel < 0) TRAP(TrapKind::kOutOfFuel);
  NEXT(1);
L_Br:
  ip += static_cast<int64_t>(ip[1]);
  DISPATCH();
L_BrIf:
  if (R(1).i32 != 0) {
    ip += static_cast<int64_t>(ip[2]);
    DISPATCH();
  }
  NEXT(3);
L_BrUnless:
  if (R(1).i32 == 0) {
    ip += static_cast<int64_t>(ip[2]);
    DISPATCH();
  }
  NEXT(3);
L_BrTable: {
  uint64_t i = std::min<uint64_t>(R(1).i32, ip[2]);
  ip += static_cast<int64_t>(ip[3 + i]);
  DISPATCH();
}

#define BR_CMP(name, cond)                    \
  L_##name: {                                 \
    const uint32_t a = R(1).i32, b = R(2).i32; \
    if (cond) {                               \
      ip += static_cast<int64_t>(ip[3]);      \
      DISPATCH();                             \
    }                                         \
    NEXT(4);                                  \
  }
#define BR_CMP_IMM(name, cond)                                           \
  L_##name: {                                                            \
    const uint32_t a = R(1).i32, b = static_cast<uint32_t>(ip[2]);       \
    if (cond) {                                                          \
      ip += static_cast<int64_t>(ip[3]);                                 \
      DISPATCH();                                                        \
    }                                                                    \
    NEXT(4);                                                             \
  }
#define S32(x) static_cast<int32_t>(x)
#define S64(x) static_cast<int64_t>(x)
L_BrI32Eqz:
  if (R(1).i32 == 0) {
    ip += static_cast<int64_t>(ip[2]);
    DISPATCH();
  }
  NEXT(3);
L_BrI32Nez:
  if (R(1).i32 != 0) {
    ip += static_cast<int64_t>(ip[2]);
    DISPATCH();
  }
  NEXT(3);
  BR_CMP(BrI32Eq, a == b)
  BR_CMP(BrI32Ne, a != b)
  BR_CMP(BrI32LtS, S32(a) < S32(b))
  BR_CMP(BrI32LtU, a < b)
  BR_CMP(BrI32GtS, S32(a) > S32(b))
  BR_CMP(BrI32GtU, a > b)
  BR_CMP(BrI32LeS, S32(a) <= S32(b))
  BR_CMP(BrI32LeU, a <= b)
  BR_CMP(BrI32GeS, S32(a) >= S32(b))
  BR_CMP(BrI32GeU, a >= b)
  BR_CMP_IMM(BrI32EqImm, a == b)
  BR_CMP_IMM(BrI32NeImm, a != b)
  BR_CMP_IMM(BrI32LtSImm, S32(a) < S32(b))
  BR_CMP_IMM(BrI32LtUImm, a < b)
  BR_CMP_IMM(BrI32GtSImm, S32(a) > S32(b))
  BR_CMP_IMM(BrI32GtUImm, a > b)
  BR_CMP_IMM(BrI32LeSImm, S32(a) <= S32(b))
  BR_CMP_IMM(BrI32LeUImm, a <= b)
  BR_CMP_IMM(BrI32GeSImm, S32(a) >= S32(b))
  BR_CMP_IMM(BrI32GeUImm, a >= b)

  // --- data movement
L_Copy:
  R(1) = R(2);
  NEXT(3);
L_Const:
  R(1).bits = ip[2];
  NEXT(3);
L_Select:
  R(1) = R(4).i32 != 0 ? R(2) : R(3);
  NEXT(5);
L_GlobalGet:
  R(1) = inst->globals[ip[2]]->value;
  NEXT(3);
L_GlobalSet:
  inst->globals[ip[1]]->value = R(2);
  NEXT(3);
L_RefFunc:
  R(1).func = inst->functions[ip[2]].get();
  NEXT(3);

#include "engine/interp/interpreter_memory.inc"
#include "engine/interp/interpreter_numeric.inc"

trap: {
  Trap t;
  if (host_trap) {
    t = std::move(*host_trap);
    if (t.message.empty()) t.message = TrapKindMessage(t.kind);
  } else {
    t.kind = trap_kind;
    t.message = TrapKindMessage(trap_kind);
    // append() rather than `" " + std::to_string(...)`: GCC 12 at -O3 warns
    // (-Wrestrict, a false positive) on operator+ with a literal left operand.
    if (trap_kind == TrapKind::kUninitializedElement)
      t.message.append(" ").append(std::to_string(trap_index));
    // A failed call setup names the function that could not be entered.
    if (trap_kind == TrapKind::kCallStackExhausted || trap_kind == TrapKind::kHostError)
      t.backtrace.push_back(callee->name);
  }
  if (host_trap) t.backtrace.push_back(callee->name);
  // Runaway recursion would otherwise list every frame: keep the innermost.
  constexpr uint32_t kMaxBacktrace = 64;
  for (uint32_t d = depth; d-- > entry_depth;) {
    if (t.backtrace.size() == kMaxBacktrace) {
      std::string more = "... ";
      more.append(std::to_string(d + 1 - entry_depth)).append(" more frames");
      t.backtrace.push_back(std::move(more));
      break;
    }
    t.backtrace.push_back(frames[d].func->name);
  }
  st.depth = entry_depth;
  st.fuel = fuel;
  *out_trap = std::move(t);
  return nullptr;
}
#undef R
#undef DISPATCH
#undef NEXT
#undef TRAP
#undef RELOAD_MEMORY
}

}  // namespace

const void* const* InterpreterHandlers() { return Run(nullptr, nullptr, nullptr, nullptr); }

std::optional<Trap> Execute(ExecState& state, FunctionInstance* func, Value* fp) {
  std::optional<Trap> trap;
  Run(&state, func, fp, &trap);
  return trap;
}

}  // namespace capsa::engine
