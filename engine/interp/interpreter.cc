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

  // --- memory: 64-bit effective address, checked on every access
#define LOAD(name, T, convert)                                        \
  L_##name: {                                                         \
    const uint64_t ea = uint64_t{R(2).i32} + ip[3];                   \
    if (ea + sizeof(T) > mem_size) TRAP(TrapKind::kMemoryOutOfBounds); \
    T v;                                                              \
    std::memcpy(&v, mem_base + ea, sizeof(T));                        \
    R(1).bits = convert;                                              \
    NEXT(4);                                                          \
  }
#define STORE(name, T)                                                \
  L_##name: {                                                         \
    const uint64_t ea = uint64_t{R(1).i32} + ip[3];                   \
    if (ea + sizeof(T) > mem_size) TRAP(TrapKind::kMemoryOutOfBounds); \
    const T v = static_cast<T>(R(2).bits);                            \
    std::memcpy(mem_base + ea, &v, sizeof(T));                        \
    NEXT(4);                                                          \
  }
  LOAD(Load32, uint32_t, v)
  LOAD(Load64, uint64_t, v)
  LOAD(Load8S32, int8_t, static_cast<uint32_t>(v))
  LOAD(Load8U, uint8_t, v)
  LOAD(Load16S32, int16_t, static_cast<uint32_t>(v))
  LOAD(Load16U, uint16_t, v)
  LOAD(Load8S64, int8_t, static_cast<uint64_t>(v))
  LOAD(Load16S64, int16_t, static_cast<uint64_t>(v))
  LOAD(Load32S64, int32_t, static_cast<uint64_t>(v))
  STORE(Store8, uint8_t)
  STORE(Store16, uint16_t)
  STORE(Store32, uint32_t)
  STORE(Store64, uint64_t)

  // Superinstructions: the address is an i32.add fused into the access
  // (AI: slot + immediate, AR: slot + slot). The sum wraps at 32 bits exactly
  // as the separate i32.add would; only then is the static offset added.
#define LOAD_FUSED(name, T, convert, second)                          \
  L_##name: {                                                         \
    const uint64_t ea = uint64_t{U32(R(2).i32 + (second))} + ip[4];   \
    if (ea + sizeof(T) > mem_size) TRAP(TrapKind::kMemoryOutOfBounds); \
    T v;                                                              \
    std::memcpy(&v, mem_base + ea, sizeof(T));                        \
    R(1).bits = convert;                                              \
    NEXT(5);                                                          \
  }
#define STORE_FUSED(name, T, second)                                  \
  L_##name: {                                                         \
    const uint64_t ea = uint64_t{U32(R(1).i32 + (second))} + ip[4];   \
    if (ea + sizeof(T) > mem_size) TRAP(TrapKind::kMemoryOutOfBounds); \
    const T v = static_cast<T>(R(3).bits);                            \
    std::memcpy(mem_base + ea, &v, sizeof(T));                        \
    NEXT(5);                                                          \
  }
#define U32(x) static_cast<uint32_t>(x)
#define IMM3 U32(ip[3])
#define IMM2 U32(ip[2])
#define REG3 R(3).i32
#define REG2 R(2).i32
  LOAD_FUSED(Load32AI, uint32_t, v, IMM3)
  LOAD_FUSED(Load64AI, uint64_t, v, IMM3)
  LOAD_FUSED(Load8S32AI, int8_t, static_cast<uint32_t>(v), IMM3)
  LOAD_FUSED(Load8UAI, uint8_t, v, IMM3)
  LOAD_FUSED(Load16S32AI, int16_t, static_cast<uint32_t>(v), IMM3)
  LOAD_FUSED(Load16UAI, uint16_t, v, IMM3)
  LOAD_FUSED(Load8S64AI, int8_t, static_cast<uint64_t>(v), IMM3)
  LOAD_FUSED(Load16S64AI, int16_t, static_cast<uint64_t>(v), IMM3)
  LOAD_FUSED(Load32S64AI, int32_t, static_cast<uint64_t>(v), IMM3)
  LOAD_FUSED(Load32AR, uint32_t, v, REG3)
  LOAD_FUSED(Load64AR, uint64_t, v, REG3)
  LOAD_FUSED(Load8S32AR, int8_t, static_cast<uint32_t>(v), REG3)
  LOAD_FUSED(Load8UAR, uint8_t, v, REG3)
  LOAD_FUSED(Load16S32AR, int16_t, static_cast<uint32_t>(v), REG3)
  LOAD_FUSED(Load16UAR, uint16_t, v, REG3)
  LOAD_FUSED(Load8S64AR, int8_t, static_cast<uint64_t>(v), REG3)
  LOAD_FUSED(Load16S64AR, int16_t, static_cast<uint64_t>(v), REG3)
  LOAD_FUSED(Load32S64AR, int32_t, static_cast<uint64_t>(v), REG3)
  STORE_FUSED(Store8AI, uint8_t, IMM2)
  STORE_FUSED(Store16AI, uint16_t, IMM2)
  STORE_FUSED(Store32AI, uint32_t, IMM2)
  STORE_FUSED(Store64AI, uint64_t, IMM2)
  STORE_FUSED(Store8AR, uint8_t, REG2)
  STORE_FUSED(Store16AR, uint16_t, REG2)
  STORE_FUSED(Store32AR, uint32_t, REG2)
  STORE_FUSED(Store64AR, uint64_t, REG2)
#undef IMM3
#undef IMM2
#undef REG3
#undef REG2
#undef U32

L_MemorySize:
  R(1).bits = mem_size / LinearMemory::kPageSize;
  NEXT(2);
L_MemoryGrow: {
  std::optional<uint64_t> old = inst->memories[0]->Grow(R(2).i32);
  R(1).bits = old ? static_cast<uint32_t>(*old) : 0xFFFFFFFFu;
  RELOAD_MEMORY();
  NEXT(3);
}
L_MemoryInit: {
  const uint32_t seg = static_cast<uint32_t>(ip[1]);
  const uint64_t d = R(2).i32, s = R(3).i32, n = R(4).i32;
  const std::vector<uint8_t>& bytes = inst->module->datas[seg].bytes;
  const uint64_t len = inst->data_dropped[seg] ? 0 : bytes.size();
  if (s + n > len || d + n > mem_size) TRAP(TrapKind::kMemoryOutOfBounds);
  if (n) std::memcpy(mem_base + d, bytes.data() + s, n);
  NEXT(5);
}
L_DataDrop:
  inst->data_dropped[ip[1]] = true;
  NEXT(2);
L_MemoryCopy: {
  const uint64_t d = R(1).i32, s = R(2).i32, n = R(3).i32;
  if (s + n > mem_size || d + n > mem_size) TRAP(TrapKind::kMemoryOutOfBounds);
  if (n) std::memmove(mem_base + d, mem_base + s, n);
  NEXT(4);
}
L_MemoryFill: {
  const uint64_t d = R(1).i32, n = R(3).i32;
  if (d + n > mem_size) TRAP(TrapKind::kMemoryOutOfBounds);
  if (n) std::memset(mem_base + d, static_cast<uint8_t>(R(2).i32), n);
  NEXT(4);
}

  // --- tables
L_TableGet: {
  const TableInstance* t = inst->tables[ip[2]].get();
  const uint32_t i = R(3).i32;
  if (i >= t->elements.size()) TRAP(TrapKind::kTableOutOfBounds);
  R(1) = t->elements[i];
  NEXT(4);
}
L_TableSet: {
  TableInstance* t = inst->tables[ip[1]].get();
  const uint32_t i = R(2).i32;
  if (i >= t->elements.size()) TRAP(TrapKind::kTableOutOfBounds);
  t->elements[i] = R(3);
  NEXT(4);
}
L_TableSize:
  R(1).bits = static_cast<uint32_t>(inst->tables[ip[2]]->elements.size());
  NEXT(3);
L_TableGrow: {
  const Value init = R(3);
  const uint32_t n = R(4).i32;
  std::optional<uint64_t> old = inst->tables[ip[2]]->Grow(n, init);
  R(1).bits = old ? static_cast<uint32_t>(*old) : 0xFFFFFFFFu;
  NEXT(5);
}
L_TableFill: {
  TableInstance* t = inst->tables[ip[1]].get();
  const uint64_t i = R(2).i32, n = R(4).i32;
  const Value v = R(3);
  if (i + n > t->elements.size()) TRAP(TrapKind::kTableOutOfBounds);
  std::fill_n(t->elements.begin() + i, n, v);
  NEXT(5);
}
L_TableCopy: {
  TableInstance* dt = inst->tables[ip[1]].get();
  const TableInstance* stab = inst->tables[ip[2]].get();
  const uint64_t d = R(3).i32, s = R(4).i32, n = R(5).i32;
  if (s + n > stab->elements.size() || d + n > dt->elements.size()) TRAP(TrapKind::kTableOutOfBounds);
  if (n) std::memmove(static_cast<void*>(dt->elements.data() + d), stab->elements.data() + s, n * sizeof(Value));
  NEXT(6);
}
L_TableInit: {
  TableInstance* t = inst->tables[ip[1]].get();
  const uint32_t seg = static_cast<uint32_t>(ip[2]);
  const uint64_t d = R(3).i32, s = R(4).i32, n = R(5).i32;
  const std::vector<ConstExpr>& init = inst->module->elems[seg].init;
  const uint64_t len = inst->elem_dropped[seg] ? 0 : init.size();
  if (s + n > len || d + n > t->elements.size()) TRAP(TrapKind::kTableOutOfBounds);
  for (uint64_t k = 0; k < n; ++k) t->elements[d + k] = EvalElemExpr(inst, init[s + k]);
  NEXT(6);
}
L_ElemDrop:
  inst->elem_dropped[ip[1]] = true;
  NEXT(2);

  // --- numeric. Results are written after all operands are read (a result
  // slot may be an operand slot). i32/f32 results are stored zero-extended.
#define UNOP(name, T, read, expr)  \
  L_##name: {                      \
    const T a = R(2).read;         \
    R(1).bits = (expr);            \
    NEXT(3);                       \
  }
#define BINOP(name, T, read, expr)                \
  L_##name: {                                     \
    const T a = R(2).read, b = R(3).read;         \
    R(1).bits = (expr);                           \
    NEXT(4);                                      \
  }
#define IMMOP(name, T, expr)                      \
  L_##name: {                                     \
    const T a = static_cast<T>(R(2).bits), b = static_cast<T>(ip[3]); \
    R(1).bits = (expr);                           \
    NEXT(4);                                      \
  }
#define U32(x) static_cast<uint32_t>(x)
#define B(x) static_cast<uint64_t>((x) ? 1 : 0)

  UNOP(I32Eqz, uint32_t, i32, B(a == 0))
  BINOP(I32Eq, uint32_t, i32, B(a == b))
  BINOP(I32Ne, uint32_t, i32, B(a != b))
  BINOP(I32LtS, uint32_t, i32, B(S32(a) < S32(b)))
  BINOP(I32LtU, uint32_t, i32, B(a < b))
  BINOP(I32GtS, uint32_t, i32, B(S32(a) > S32(b)))
  BINOP(I32GtU, uint32_t, i32, B(a > b))
  BINOP(I32LeS, uint32_t, i32, B(S32(a) <= S32(b)))
  BINOP(I32LeU, uint32_t, i32, B(a <= b))
  BINOP(I32GeS, uint32_t, i32, B(S32(a) >= S32(b)))
  BINOP(I32GeU, uint32_t, i32, B(a >= b))
  UNOP(I32Clz, uint32_t, i32, U32(std::countl_zero(a)))
  UNOP(I32Ctz, uint32_t, i32, U32(std::countr_zero(a)))
  UNOP(I32Popcnt, uint32_t, i32, U32(std::popcount(a)))
  BINOP(I32Add, uint32_t, i32, U32(a + b))
  BINOP(I32Sub, uint32_t, i32, U32(a - b))
  BINOP(I32Mul, uint32_t, i32, U32(a * b))
  BINOP(I32And, uint32_t, i32, U32(a & b))
  BINOP(I32Or, uint32_t, i32, U32(a | b))
  BINOP(I32Xor, uint32_t, i32, U32(a ^ b))
  BINOP(I32Shl, uint32_t, i32, U32(a << (b & 31)))
  BINOP(I32ShrS, uint32_t, i32, U32(S32(a) >> (b & 31)))
  BINOP(I32ShrU, uint32_t, i32, U32(a >> (b & 31)))
  BINOP(I32Rotl, uint32_t, i32, U32(std::rotl(a, static_cast<int>(b & 31))))
  BINOP(I32Rotr, uint32_t, i32, U32(std::rotr(a, static_cast<int>(b & 31))))
  IMMOP(I32AddImm, uint32_t, U32(a + b))
  IMMOP(I32SubImm, uint32_t, U32(a - b))
  IMMOP(I32MulImm, uint32_t, U32(a * b))
  IMMOP(I32AndImm, uint32_t, U32(a & b))
  IMMOP(I32OrImm, uint32_t, U32(a | b))
  IMMOP(I32XorImm, uint32_t, U32(a ^ b))
  IMMOP(I32ShlImm, uint32_t, U32(a << (b & 31)))
  IMMOP(I32ShrSImm, uint32_t, U32(S32(a) >> (b & 31)))
  IMMOP(I32ShrUImm, uint32_t, U32(a >> (b & 31)))
  IMMOP(I32EqImm, uint32_t, B(a == b))
  IMMOP(I32NeImm, uint32_t, B(a != b))
  IMMOP(I32LtSImm, uint32_t, B(S32(a) < S32(b)))
  IMMOP(I32LtUImm, uint32_t, B(a < b))
  IMMOP(I32GtSImm, uint32_t, B(S32(a) > S32(b)))
  IMMOP(I32GtUImm, uint32_t, B(a > b))
  IMMOP(I32LeSImm, uint32_t, B(S32(a) <= S32(b)))
  IMMOP(I32LeUImm, uint32_t, B(a <= b))
  IMMOP(I32GeSImm, uint32_t, B(S32(a) >= S32(b)))
  IMMOP(I32GeUImm, uint32_t, B(a >= b))
  IMMOP(I32RotlImm, uint32_t, U32(std::rotl(a, static_cast<int>(b & 31))))
  IMMOP(I32RotrImm, uint32_t, U32(std::rotr(a, static_cast<int>(b & 31))))
L_I32DivS: {
  const uint32_t a = R(2).i32, b = R(3).i32;
  if (b == 0) TRAP(TrapKind::kIntegerDivideByZero);
  if (a == 0x80000000u && b == 0xFFFFFFFFu) TRAP(TrapKind::kIntegerOverflow);
  R(1).bits = U32(S32(a) / S32(b));
  NEXT(4);
}
L_I32DivU: {
  const uint32_t a = R(2).i32, b = R(3).i32;
  if (b == 0) TRAP(TrapKind::kIntegerDivideByZero);
  R(1).bits = a / b;
  NEXT(4);
}
L_I32RemS: {
  const uint32_t a = R(2).i32, b = R(3).i32;
  if (b == 0) TRAP(TrapKind::kIntegerDivideByZero);
  R(1).bits = b == 0xFFFFFFFFu ? 0 : U32(S32(a) % S32(b));
  NEXT(4);
}
L_I32RemU: {
  const uint32_t a = R(2).i32, b = R(3).i32;
  if (b == 0) TRAP(TrapKind::kIntegerDivideByZero);
  R(1).bits = a % b;
  NEXT(4);
}

  UNOP(I64Eqz, uint64_t, i64, B(a == 0))
  BINOP(I64Eq, uint64_t, i64, B(a == b))
  BINOP(I64Ne, uint64_t, i64, B(a != b))
  BINOP(I64LtS, uint64_t, i64, B(S64(a) < S64(b)))
  BINOP(I64LtU, uint64_t, i64, B(a < b))
  BINOP(I64GtS, uint64_t, i64, B(S64(a) > S64(b)))
  BINOP(I64GtU, uint64_t, i64, B(a > b))
  BINOP(I64LeS, uint64_t, i64, B(S64(a) <= S64(b)))
  BINOP(I64LeU, uint64_t, i64, B(a <= b))
  BINOP(I64GeS, uint64_t, i64, B(S64(a) >= S64(b)))
  BINOP(I64GeU, uint64_t, i64, B(a >= b))
  UNOP(I64Clz, uint64_t, i64, static_cast<uint64_t>(std::countl_zero(a)))
  UNOP(I64Ctz, uint64_t, i64, static_cast<uint64_t>(std::countr_zero(a)))
  UNOP(I64Popcnt, uint64_t, i64, static_cast<uint64_t>(std::popcount(a)))
  BINOP(I64Add, uint64_t, i64, a + b)
  BINOP(I64Sub, uint64_t, i64, a - b)
  BINOP(I64Mul, uint64_t, i64, a * b)
  BINOP(I64And, uint64_t, i64, a & b)
  BINOP(I64Or, uint64_t, i64, a | b)
  BINOP(I64Xor, uint64_t, i64, a ^ b)
  BINOP(I64Shl, uint64_t, i64, a << (b & 63))
  BINOP(I64ShrS, uint64_t, i64, static_cast<uint64_t>(S64(a) >> (b & 63)))
  BINOP(I64ShrU, uint64_t, i64, a >> (b & 63))
  BINOP(I64Rotl, uint64_t, i64, std::rotl(a, static_cast<int>(b & 63)))
  BINOP(I64Rotr, uint64_t, i64, std::rotr(a, static_cast<int>(b & 63)))
  IMMOP(I64AddImm, uint64_t, a + b)
  IMMOP(I64SubImm, uint64_t, a - b)
  IMMOP(I64AndImm, uint64_t, a & b)
  IMMOP(I64OrImm, uint64_t, a | b)
  IMMOP(I64XorImm, uint64_t, a ^ b)
  IMMOP(I64ShlImm, uint64_t, a << (b & 63))
  IMMOP(I64ShrSImm, uint64_t, static_cast<uint64_t>(S64(a) >> (b & 63)))
  IMMOP(I64ShrUImm, uint64_t, a >> (b & 63))
  IMMOP(I64MulImm, uint64_t, a * b)
  IMMOP(I64RotlImm, uint64_t, std::rotl(a, static_cast<int>(b & 63)))
  IMMOP(I64RotrImm, uint64_t, std::rotr(a, static_cast<int>(b & 63)))
  IMMOP(I64EqImm, uint64_t, B(a == b))
  IMMOP(I64NeImm, uint64_t, B(a != b))
  IMMOP(I64LtSImm, uint64_t, B(S64(a) < S64(b)))
  IMMOP(I64LtUImm, uint64_t, B(a < b))
  IMMOP(I64GtSImm, uint64_t, B(S64(a) > S64(b)))
  IMMOP(I64GtUImm, uint64_t, B(a > b))
  IMMOP(I64LeSImm, uint64_t, B(S64(a) <= S64(b)))
  IMMOP(I64LeUImm, uint64_t, B(a <= b))
  IMMOP(I64GeSImm, uint64_t, B(S64(a) >= S64(b)))
  IMMOP(I64GeUImm, uint64_t, B(a >= b))
L_I64DivS: {
  const uint64_t a = R(2).i64, b = R(3).i64;
  if (b == 0) TRAP(TrapKind::kIntegerDivideByZero);
  if (a == (uint64_t{1} << 63) && b == ~uint64_t{0}) TRAP(TrapKind::kIntegerOverflow);
  R(1).bits = static_cast<uint64_t>(S64(a) / S64(b));
  NEXT(4);
}
L_I64DivU: {
  const uint64_t a = R(2).i64, b = R(3).i64;
  if (b == 0) TRAP(TrapKind::kIntegerDivideByZero);
  R(1).bits = a / b;
  NEXT(4);
}
L_I64RemS: {
  const uint64_t a = R(2).i64, b = R(3).i64;
  if (b == 0) TRAP(TrapKind::kIntegerDivideByZero);
  R(1).bits = b == ~uint64_t{0} ? 0 : static_cast<uint64_t>(S64(a) % S64(b));
  NEXT(4);
}
L_I64RemU: {
  const uint64_t a = R(2).i64, b = R(3).i64;
  if (b == 0) TRAP(TrapKind::kIntegerDivideByZero);
  R(1).bits = a % b;
  NEXT(4);
}

#define F32R(x) uint64_t{F32Bits(x)}
#define F64R(x) F64Bits(x)
  BINOP(F32Eq, float, f32, B(a == b))
  BINOP(F32Ne, float, f32, B(a != b))
  BINOP(F32Lt, float, f32, B(a < b))
  BINOP(F32Gt, float, f32, B(a > b))
  BINOP(F32Le, float, f32, B(a <= b))
  BINOP(F32Ge, float, f32, B(a >= b))
  BINOP(F64Eq, double, f64, B(a == b))
  BINOP(F64Ne, double, f64, B(a != b))
  BINOP(F64Lt, double, f64, B(a < b))
  BINOP(F64Gt, double, f64, B(a > b))
  BINOP(F64Le, double, f64, B(a <= b))
  BINOP(F64Ge, double, f64, B(a >= b))
  UNOP(F32Abs, float, f32, F32R(F32Abs(a)))
  UNOP(F32Neg, float, f32, F32R(F32Neg(a)))
  UNOP(F32Ceil, float, f32, F32R(WasmCeil(a)))
  UNOP(F32Floor, float, f32, F32R(WasmFloor(a)))
  UNOP(F32Trunc, float, f32, F32R(WasmTrunc(a)))
  UNOP(F32Nearest, float, f32, F32R(WasmNearest(a)))
  UNOP(F32Sqrt, float, f32, F32R(std::sqrt(a)))
  BINOP(F32Add, float, f32, F32R(a + b))
  BINOP(F32Sub, float, f32, F32R(a - b))
  BINOP(F32Mul, float, f32, F32R(a * b))
  BINOP(F32Div, float, f32, F32R(a / b))
  BINOP(F32Min, float, f32, F32R(WasmMin(a, b)))
  BINOP(F32Max, float, f32, F32R(WasmMax(a, b)))
  BINOP(F32Copysign, float, f32, F32R(F32Copysign(a, b)))
  UNOP(F64Abs, double, f64, F64R(F64Abs(a)))
  UNOP(F64Neg, double, f64, F64R(F64Neg(a)))
  UNOP(F64Ceil, double, f64, F64R(WasmCeil(a)))
  UNOP(F64Floor, double, f64, F64R(WasmFloor(a)))
  UNOP(F64Trunc, double, f64, F64R(WasmTrunc(a)))
  UNOP(F64Nearest, double, f64, F64R(WasmNearest(a)))
  UNOP(F64Sqrt, double, f64, F64R(std::sqrt(a)))
  BINOP(F64Add, double, f64, F64R(a + b))
  BINOP(F64Sub, double, f64, F64R(a - b))
  BINOP(F64Mul, double, f64, F64R(a * b))
  BINOP(F64Div, double, f64, F64R(a / b))
  BINOP(F64Min, double, f64, F64R(WasmMin(a, b)))
  BINOP(F64Max, double, f64, F64R(WasmMax(a, b)))
  BINOP(F64Copysign, double, f64, F64R(F64Copysign(a, b)))
#define FIMMOP(name, T, read, B2, expr)                                  \
  L_##name: {                                                            \
    const T a = R(2).read, b = std::bit_cast<T>(static_cast<B2>(ip[3])); \
    R(1).bits = (expr);                                                  \
    NEXT(4);                                                             \
  }
  FIMMOP(F32AddImm, float, f32, uint32_t, F32R(a + b))
  FIMMOP(F32SubImm, float, f32, uint32_t, F32R(a - b))
  FIMMOP(F32MulImm, float, f32, uint32_t, F32R(a * b))
  FIMMOP(F32DivImm, float, f32, uint32_t, F32R(a / b))
  FIMMOP(F64AddImm, double, f64, uint64_t, F64R(a + b))
  FIMMOP(F64SubImm, double, f64, uint64_t, F64R(a - b))
  FIMMOP(F64MulImm, double, f64, uint64_t, F64R(a * b))
  FIMMOP(F64DivImm, double, f64, uint64_t, F64R(a / b))
  // f64 op with its second operand loaded from memory (the load cannot be
  // reordered observably: f64 arithmetic never traps).
#define FLOADOP(name, expr)                                            \
  L_##name: {                                                          \
    const uint64_t ea = uint64_t{R(3).i32} + ip[4];                    \
    if (ea + sizeof(double) > mem_size) TRAP(TrapKind::kMemoryOutOfBounds); \
    double b;                                                          \
    std::memcpy(&b, mem_base + ea, sizeof(double));                    \
    const double a = R(2).f64;                                         \
    R(1).bits = (expr);                                                \
    NEXT(5);                                                           \
  }
  FLOADOP(F64AddLoad, F64R(a + b))
  FLOADOP(F64SubLoad, F64R(a - b))
  FLOADOP(F64MulLoad, F64R(a * b))
  FLOADOP(F64DivLoad, F64R(a / b))

  // --- conversions
#define TRUNC(name, I, F, read)                                        \
  L_##name: {                                                          \
    I out;                                                             \
    switch (TruncChecked<I, F>(R(2).read, &out)) {                     \
      case TruncResult::kNaN: TRAP(TrapKind::kInvalidConversion);      \
      case TruncResult::kOverflow: TRAP(TrapKind::kIntegerOverflow);   \
      case TruncResult::kOk: break;                                    \
    }                                                                  \
    R(1).bits = static_cast<std::make_unsigned_t<I>>(out);             \
    NEXT(3);                                                           \
  }
#define TRUNC_SAT(name, I, F, read) \
  UNOP(name, F, read, static_cast<std::make_unsigned_t<I>>(TruncSat<I, F>(a)))
  UNOP(I32WrapI64, uint64_t, i64, U32(a))
  TRUNC(I32TruncF32S, int32_t, float, f32)
  TRUNC(I32TruncF32U, uint32_t, float, f32)
  TRUNC(I32TruncF64S, int32_t, double, f64)
  TRUNC(I32TruncF64U, uint32_t, double, f64)
  UNOP(I64ExtendI32S, uint32_t, i32, static_cast<uint64_t>(S64(S32(a))))
  UNOP(I64ExtendI32U, uint32_t, i32, uint64_t{a})
  TRUNC(I64TruncF32S, int64_t, float, f32)
  TRUNC(I64TruncF32U, uint64_t, float, f32)
  TRUNC(I64TruncF64S, int64_t, double, f64)
  TRUNC(I64TruncF64U, uint64_t, double, f64)
  UNOP(F32ConvertI32S, uint32_t, i32, F32R(static_cast<float>(S32(a))))
  UNOP(F32ConvertI32U, uint32_t, i32, F32R(static_cast<float>(a)))
  UNOP(F32ConvertI64S, uint64_t, i64, F32R(static_cast<float>(S64(a))))
  UNOP(F32ConvertI64U, uint64_t, i64, F32R(static_cast<float>(a)))
  UNOP(F32DemoteF64, double, f64, F32R(static_cast<float>(a)))
  UNOP(F64ConvertI32S, uint32_t, i32, F64R(static_cast<double>(S32(a))))
  UNOP(F64ConvertI32U, uint32_t, i32, F64R(static_cast<double>(a)))
  UNOP(F64ConvertI64S, uint64_t, i64, F64R(static_cast<double>(S64(a))))
  UNOP(F64ConvertI64U, uint64_t, i64, F64R(static_cast<double>(a)))
  UNOP(F64PromoteF32, float, f32, F64R(static_cast<double>(a)))
  UNOP(I32Extend8S, uint32_t, i32, U32(static_cast<int8_t>(a)))
  UNOP(I32Extend16S, uint32_t, i32, U32(static_cast<int16_t>(a)))
  UNOP(I64Extend8S, uint64_t, i64, static_cast<uint64_t>(static_cast<int8_t>(a)))
  UNOP(I64Extend16S, uint64_t, i64, static_cast<uint64_t>(static_cast<int16_t>(a)))
  UNOP(I64Extend32S, uint64_t, i64, static_cast<uint64_t>(static_cast<int32_t>(a)))
  TRUNC_SAT(I32TruncSatF32S, int32_t, float, f32)
  TRUNC_SAT(I32TruncSatF32U, uint32_t, float, f32)
  TRUNC_SAT(I32TruncSatF64S, int32_t, double, f64)
  TRUNC_SAT(I32TruncSatF64U, uint32_t, double, f64)
  TRUNC_SAT(I64TruncSatF32S, int64_t, float, f32)
  TRUNC_SAT(I64TruncSatF32U, uint64_t, float, f32)
  TRUNC_SAT(I64TruncSatF64S, int64_t, double, f64)
  TRUNC_SAT(I64TruncSatF64U, uint64_t, double, f64)

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
