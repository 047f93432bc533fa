// The interpreter's internal code: what CompileFunction produces and the
// threaded interpreter runs.
//
// A compiled function is a flat array of 64-bit words. Each instruction is one
// handler word (the address of its label in the interpreter loop, GCC's
// computed goto) followed by its immediates, one word each. Operands are
// frame slots: fp[k] with fp the frame base; slots [0, num_params) hold the
// parameters, then the declared locals, then the operand stack, whose height
// is known statically at every instruction, so every stack value has a fixed
// slot. Branch targets are word offsets relative to the branching
// instruction's first word.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/module.h"

namespace capsa::engine {

// X-macro list of every internal instruction. Operand words, by family:
//   unary:  d a          binary: d a b        binary-imm: d a imm
//   load:   d addr off   store: addr val off
//   fused compare+branch: a b rel (or a imm rel)
#define CAPSA_INTERP_OPS(V)                                                            \
  /* control */                                                                        \
  V(Unreachable) V(Br) V(BrIf) V(BrUnless) V(BrTable) V(Return) V(Call)                \
  V(CallIndirect) V(Fuel)                                                              \
  /* data movement */                                                                  \
  V(Copy) V(Const) V(Select) V(GlobalGet) V(GlobalSet) V(RefFunc)                      \
  /* fused compare + branch (branch when the comparison holds) */                      \
  V(BrI32Eqz) V(BrI32Nez) V(BrI32Eq) V(BrI32Ne) V(BrI32LtS) V(BrI32LtU) V(BrI32GtS)    \
  V(BrI32GtU) V(BrI32LeS) V(BrI32LeU) V(BrI32GeS) V(BrI32GeU)                          \
  V(BrI32EqImm) V(BrI32NeImm) V(BrI32LtSImm) V(BrI32LtUImm) V(BrI32GtSImm)             \
  V(BrI32GtUImm) V(BrI32LeSImm) V(BrI32LeUImm) V(BrI32GeSImm) V(BrI32GeUImm)           \
  /* memory */                                                                         \
  V(Load32) V(Load64) V(Load8S32) V(Load8U) V(Load16S32) V(Load16U) V(Load8S64)        \
  V(Load16S64) V(Load32S64) V(Store8) V(Store16) V(Store32) V(Store64)                 \
  /* loads/stores whose address is a fused i32.add: d a imm off / d a b off,     */  \
  /* a imm val off / a b val off (address = u32(a + imm or b) + off)             */  \
  V(Load32AI) V(Load64AI) V(Load8S32AI) V(Load8UAI) V(Load16S32AI) V(Load16UAI)        \
  V(Load8S64AI) V(Load16S64AI) V(Load32S64AI)                                          \
  V(Load32AR) V(Load64AR) V(Load8S32AR) V(Load8UAR) V(Load16S32AR) V(Load16UAR)        \
  V(Load8S64AR) V(Load16S64AR) V(Load32S64AR)                                          \
  V(Store8AI) V(Store16AI) V(Store32AI) V(Store64AI)                                   \
  V(Store8AR) V(Store16AR) V(Store32AR) V(Store64AR)                                   \
  V(MemorySize) V(MemoryGrow) V(MemoryInit) V(DataDrop) V(MemoryCopy) V(MemoryFill)    \
  /* tables */                                                                         \
  V(TableGet) V(TableSet) V(TableSize) V(TableGrow) V(TableFill) V(TableCopy)          \
  V(TableInit) V(ElemDrop)                                                             \
  /* i32 */                                                                            \
  V(I32Eqz) V(I32Eq) V(I32Ne) V(I32LtS) V(I32LtU) V(I32GtS) V(I32GtU) V(I32LeS)        \
  V(I32LeU) V(I32GeS) V(I32GeU) V(I32Clz) V(I32Ctz) V(I32Popcnt) V(I32Add) V(I32Sub)   \
  V(I32Mul) V(I32DivS) V(I32DivU) V(I32RemS) V(I32RemU) V(I32And) V(I32Or) V(I32Xor)   \
  V(I32Shl) V(I32ShrS) V(I32ShrU) V(I32Rotl) V(I32Rotr)                                \
  V(I32AddImm) V(I32SubImm) V(I32MulImm) V(I32AndImm) V(I32OrImm) V(I32XorImm)         \
  V(I32ShlImm) V(I32ShrSImm) V(I32ShrUImm) V(I32EqImm) V(I32NeImm) V(I32LtSImm)        \
  V(I32LtUImm) V(I32GtSImm) V(I32GtUImm) V(I32LeSImm) V(I32LeUImm) V(I32GeSImm)        \
  V(I32GeUImm) V(I32RotlImm) V(I32RotrImm)                                             \
  /* i64 */                                                                            \
  V(I64Eqz) V(I64Eq) V(I64Ne) V(I64LtS) V(I64LtU) V(I64GtS) V(I64GtU) V(I64LeS)        \
  V(I64LeU) V(I64GeS) V(I64GeU) V(I64Clz) V(I64Ctz) V(I64Popcnt) V(I64Add) V(I64Sub)   \
  V(I64Mul) V(I64DivS) V(I64DivU) V(I64RemS) V(I64RemU) V(I64And) V(I64Or) V(I64Xor)   \
  V(I64Shl) V(I64ShrS) V(I64ShrU) V(I64Rotl) V(I64Rotr)                                \
  V(I64AddImm) V(I64SubImm) V(I64AndImm) V(I64OrImm) V(I64XorImm) V(I64ShlImm)         \
  V(I64ShrSImm) V(I64ShrUImm) V(I64MulImm) V(I64RotlImm) V(I64RotrImm)                 \
  V(I64EqImm) V(I64NeImm) V(I64LtSImm) V(I64LtUImm) V(I64GtSImm) V(I64GtUImm)          \
  V(I64LeSImm) V(I64LeUImm) V(I64GeSImm) V(I64GeUImm)                                  \
  /* f32 / f64 */                                                                      \
  V(F32Eq) V(F32Ne) V(F32Lt) V(F32Gt) V(F32Le) V(F32Ge)                                \
  V(F64Eq) V(F64Ne) V(F64Lt) V(F64Gt) V(F64Le) V(F64Ge)                                \
  V(F32Abs) V(F32Neg) V(F32Ceil) V(F32Floor) V(F32Trunc) V(F32Nearest) V(F32Sqrt)      \
  V(F32Add) V(F32Sub) V(F32Mul) V(F32Div) V(F32Min) V(F32Max) V(F32Copysign)           \
  V(F64Abs) V(F64Neg) V(F64Ceil) V(F64Floor) V(F64Trunc) V(F64Nearest) V(F64Sqrt)      \
  V(F64Add) V(F64Sub) V(F64Mul) V(F64Div) V(F64Min) V(F64Max) V(F64Copysign)           \
  V(F32AddImm) V(F32SubImm) V(F32MulImm) V(F32DivImm)                                  \
  V(F64AddImm) V(F64SubImm) V(F64MulImm) V(F64DivImm)                                  \
  /* f64 binop whose second operand is a fused 8-byte load: d a addr off */            \
  V(F64AddLoad) V(F64SubLoad) V(F64MulLoad) V(F64DivLoad)                              \
  /* conversions */                                                                    \
  V(I32WrapI64) V(I32TruncF32S) V(I32TruncF32U) V(I32TruncF64S) V(I32TruncF64U)        \
  V(I64ExtendI32S) V(I64ExtendI32U) V(I64TruncF32S) V(I64TruncF32U) V(I64TruncF64S)    \
  V(I64TruncF64U) V(F32ConvertI32S) V(F32ConvertI32U) V(F32ConvertI64S)                \
  V(F32ConvertI64U) V(F32DemoteF64) V(F64ConvertI32S) V(F64ConvertI32U)                \
  V(F64ConvertI64S) V(F64ConvertI64U) V(F64PromoteF32)                                 \
  V(I32Extend8S) V(I32Extend16S) V(I64Extend8S) V(I64Extend16S) V(I64Extend32S)        \
  V(I32TruncSatF32S) V(I32TruncSatF32U) V(I32TruncSatF64S) V(I32TruncSatF64U)          \
  V(I64TruncSatF32S) V(I64TruncSatF32U) V(I64TruncSatF64S) V(I64TruncSatF64U)

enum class Op : uint16_t {
#define CAPSA_OP_ENUM(name) k##name,
  CAPSA_INTERP_OPS(CAPSA_OP_ENUM)
#undef CAPSA_OP_ENUM
  kCount
};

struct CompiledFunction {
  std::vector<uint64_t> code;
  uint32_t num_params = 0;
  uint32_t num_locals = 0;   // declared locals after the parameters (zeroed on entry)
  uint32_t num_results = 0;
  uint32_t frame_slots = 0;  // params + locals + maximum operand stack height
};

// The handler address of every Op, indexed by Op (from the interpreter loop).
const void* const* InterpreterHandlers();

}  // namespace capsa::engine
