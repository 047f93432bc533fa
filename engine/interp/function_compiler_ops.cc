// FunctionCompiler: variables, parametric, memory, table, reference and
// numeric instructions.
#include "engine/interp/function_compiler.h"

namespace capsa::engine {
namespace {

struct MemOp {
  Op op;
  uint32_t natural_log2;
  ValType type;
};

// Loads 0x28-0x35 and stores 0x36-0x3E, in opcode order. Values are kept
// zero-extended to 64 bits in their slots except where noted, so the i64
// zero-extending loads share the i32 ones.
constexpr MemOp kLoads[] = {
    {Op::kLoad32, 2, ValType::kI32},    {Op::kLoad64, 3, ValType::kI64},
    {Op::kLoad32, 2, ValType::kF32},    {Op::kLoad64, 3, ValType::kF64},
    {Op::kLoad8S32, 0, ValType::kI32},  {Op::kLoad8U, 0, ValType::kI32},
    {Op::kLoad16S32, 1, ValType::kI32}, {Op::kLoad16U, 1, ValType::kI32},
    {Op::kLoad8S64, 0, ValType::kI64},  {Op::kLoad8U, 0, ValType::kI64},
    {Op::kLoad16S64, 1, ValType::kI64}, {Op::kLoad16U, 1, ValType::kI64},
    {Op::kLoad32S64, 2, ValType::kI64}, {Op::kLoad32, 2, ValType::kI64},
};
constexpr MemOp kStores[] = {
    {Op::kStore32, 2, ValType::kI32}, {Op::kStore64, 3, ValType::kI64},
    {Op::kStore32, 2, ValType::kF32}, {Op::kStore64, 3, ValType::kF64},
    {Op::kStore8, 0, ValType::kI32},  {Op::kStore16, 1, ValType::kI32},
    {Op::kStore8, 0, ValType::kI64},  {Op::kStore16, 1, ValType::kI64},
    {Op::kStore32, 2, ValType::kI64},
};

// The variant of an f64 binary op that loads its second operand.
std::optional<Op> LoadOperandForm(Op op) {
  switch (op) {
    case Op::kF64Add: return Op::kF64AddLoad;
    case Op::kF64Sub: return Op::kF64SubLoad;
    case Op::kF64Mul: return Op::kF64MulLoad;
    case Op::kF64Div: return Op::kF64DivLoad;
    default: return std::nullopt;
  }
}

// The fused-address variant of a load or store op (code.h: ...AI / ...AR).
Op FusedAccess(Op op, bool imm) {
  switch (op) {
#define CAPSA_FUSED(name) \
  case Op::k##name:       \
    return imm ? Op::k##name##AI : Op::k##name##AR;
    CAPSA_FUSED(Load32) CAPSA_FUSED(Load64) CAPSA_FUSED(Load8S32) CAPSA_FUSED(Load8U)
    CAPSA_FUSED(Load16S32) CAPSA_FUSED(Load16U) CAPSA_FUSED(Load8S64) CAPSA_FUSED(Load16S64)
    CAPSA_FUSED(Load32S64) CAPSA_FUSED(Store8) CAPSA_FUSED(Store16) CAPSA_FUSED(Store32)
    CAPSA_FUSED(Store64)
#undef CAPSA_FUSED
    default:
      return op;
  }
}

}  // namespace

std::optional<FunctionCompiler::FusedAddress> FunctionCompiler::TakeAddressAdd(const Operand& addr) {
  if (addr.where != Where::kStack || last_pos_ == kNoPos || !last_is_producer_ ||
      code_[last_pos_ + 1] != StackSlot(addr.height))
    return std::nullopt;
  if (last_op_ != Op::kI32AddImm && last_op_ != Op::kI32Add) return std::nullopt;
  // [add, dst, a, b|imm] is dropped; its operands move into the access.
  FusedAddress f{last_op_ == Op::kI32AddImm, code_[last_pos_ + 2], code_[last_pos_ + 3]};
  code_.resize(last_pos_);
  BindLabel();  // nothing before this point may be fused again
  return f;
}

Result<void> FunctionCompiler::CheckMemory() {
  if (module_.memories.empty()) return Invalid("unknown memory 0");
  return {};
}

Result<void> FunctionCompiler::CheckTable(uint32_t index) {
  if (index >= module_.tables.size()) return Invalid("unknown table " + std::to_string(index));
  return {};
}

Result<void> FunctionCompiler::ExpectZeroByte() {
  TRY_ASSIGN(uint8_t b, reader_.ReadByte());
  if (b != 0) return Malformed("zero byte expected");
  return {};
}

Result<ValType> FunctionCompiler::ReadValType() {
  TRY_ASSIGN(uint8_t b, reader_.ReadByte());
  switch (b) {
    case 0x7F: case 0x7E: case 0x7D: case 0x7C: case 0x70: case 0x6F:
      return static_cast<ValType>(b);
    case 0x7B:
      return Error{ErrorCode::kUnsupported, "SIMD (v128) is not supported"};
    default:
      return Malformed("malformed value type");
  }
}

Result<ValType> FunctionCompiler::ReadRefType() {
  TRY_ASSIGN(uint8_t b, reader_.ReadByte());
  if (b != 0x70 && b != 0x6F) return Malformed("malformed reference type");
  return static_cast<ValType>(b);
}

Result<void> FunctionCompiler::CompileLocal(uint8_t opcode) {
  TRY_ASSIGN(uint32_t index, reader_.ReadU32());
  if (index >= locals_.size()) return Invalid("unknown local " + std::to_string(index));
  const ValType type = locals_[index];
  if (opcode == 0x20) {  // local.get: deferred until needed
    PushLocal(type, index);
    return {};
  }
  TRY_ASSIGN(Operand value, Pop(type));
  MaterializeLocal(index);
  if (Live()) {
    if (value.where == Where::kStack && last_pos_ != kNoPos && last_is_producer_ &&
        code_[last_pos_ + 1] == StackSlot(value.height)) {
      // The instruction that computed the value writes the local directly.
      code_[last_pos_ + 1] = index;
      last_is_producer_ = false;
    } else {
      EmitCopy(index, value);
    }
  }
  if (opcode == 0x22) PushLocal(type, index);  // local.tee
  return {};
}

Result<void> FunctionCompiler::CompileGlobal(uint8_t opcode) {
  TRY_ASSIGN(uint32_t index, reader_.ReadU32());
  if (index >= module_.globals.size()) return Invalid("unknown global " + std::to_string(index));
  const GlobalType& g = module_.globals[index];
  if (opcode == 0x23) {
    uint32_t dst = StackSlot(Height());
    Emit(Op::kGlobalGet);
    Word(dst);
    Word(index);
    MarkProducer(dst);
    Push(g.type);
    return {};
  }
  if (g.mut != Mutability::kVar) return Invalid("global is immutable");
  TRY_ASSIGN(Operand value, Pop(g.type));
  uint32_t src = SlotOf(value);
  Emit(Op::kGlobalSet);
  Word(index);
  Word(src);
  return {};
}

Result<void> FunctionCompiler::CompileSelect(bool typed) {
  ValType type = kUnknown;
  if (typed) {
    TRY_ASSIGN(uint32_t n, reader_.ReadU32());
    if (n != 1) return Invalid("invalid result arity");
    TRY_ASSIGN(type, ReadValType());
  }
  TRY_ASSIGN(Operand cond, Pop(ValType::kI32));
  TRY_ASSIGN(Operand b, Pop(type));
  TRY_ASSIGN(Operand a, Pop(type));
  if (!typed) {
    if (IsRefType(a.type) || IsRefType(b.type) || a.type == ValType::kV128 ||
        b.type == ValType::kV128)
      return Invalid("type mismatch");
    if (a.type != b.type && a.type != kUnknown && b.type != kUnknown) return Invalid("type mismatch");
    type = a.type == kUnknown ? b.type : a.type;
  }
  uint32_t dst = StackSlot(a.height);
  uint32_t sa = SlotOf(a), sb = SlotOf(b), sc = SlotOf(cond);
  Emit(Op::kSelect);
  Word(dst);
  Word(sa);
  Word(sb);
  Word(sc);
  MarkProducer(dst);
  Push(type);
  return {};
}

Result<void> FunctionCompiler::ReadMemArg(uint32_t natural_log2, uint32_t* offset) {
  TRY_ASSIGN(uint32_t align, reader_.ReadU32());
  TRY_ASSIGN(*offset, reader_.ReadU32());
  TRY(CheckMemory());
  if (align > natural_log2) return Invalid("alignment must not be larger than natural");
  return {};
}

Result<void> FunctionCompiler::CompileLoad(uint8_t opcode) {
  const MemOp& m = kLoads[opcode - 0x28];
  uint32_t offset;
  TRY(ReadMemArg(m.natural_log2, &offset));
  TRY_ASSIGN(Operand addr, Pop(ValType::kI32));
  uint32_t dst = StackSlot(addr.height);
  if (std::optional<FusedAddress> fused = TakeAddressAdd(addr)) {
    Emit(FusedAccess(m.op, fused->imm));
    Word(dst);
    Word(fused->a);
    Word(fused->b);
    Word(offset);
  } else {
    uint32_t sa = SlotOf(addr);
    Emit(m.op);
    Word(dst);
    Word(sa);
    Word(offset);
  }
  MarkProducer(dst);
  Push(m.type);
  return {};
}

Result<void> FunctionCompiler::CompileStore(uint8_t opcode) {
  const MemOp& m = kStores[opcode - 0x36];
  uint32_t offset;
  TRY(ReadMemArg(m.natural_log2, &offset));
  TRY_ASSIGN(Operand value, Pop(m.type));
  TRY_ASSIGN(Operand addr, Pop(ValType::kI32));
  // The address add can only be the last instruction when the value needed
  // no code of its own: a local.
  std::optional<FusedAddress> fused;
  if (value.where == Where::kLocal) fused = TakeAddressAdd(addr);
  if (fused) {
    Emit(FusedAccess(m.op, fused->imm));
    Word(fused->a);
    Word(fused->b);
    Word(value.value);
    Word(offset);
    return {};
  }
  uint32_t sa = SlotOf(addr), sv = SlotOf(value);
  Emit(m.op);
  Word(sa);
  Word(sv);
  Word(offset);
  return {};
}

Result<void> FunctionCompiler::CompileMemorySizeGrow(uint8_t opcode) {
  TRY(ExpectZeroByte());
  TRY(CheckMemory());
  if (opcode == 0x3F) {
    uint32_t dst = StackSlot(Height());
    Emit(Op::kMemorySize);
    Word(dst);
    Push(ValType::kI32);
    return {};
  }
  TRY_ASSIGN(Operand delta, Pop(ValType::kI32));
  uint32_t dst = StackSlot(delta.height);
  uint32_t sd = SlotOf(delta);
  Emit(Op::kMemoryGrow);
  Word(dst);
  Word(sd);
  Push(ValType::kI32);
  return {};
}

Result<void> FunctionCompiler::CompileNumeric(const NumericInfo& info) {
  if (info.no_op) {  // reinterpretation: same bits, new type
    TRY_ASSIGN(Operand a, Pop(info.operand));
    PushOperand(a, info.result);
    return {};
  }
  if (info.arity == 1) {
    TRY_ASSIGN(Operand a, Pop(info.operand));
    uint32_t dst = StackSlot(a.height);
    uint32_t sa = SlotOf(a);
    Emit(info.op);
    Word(dst);
    Word(sa);
    MarkProducer(dst);
    Push(info.result);
    return {};
  }
  TRY_ASSIGN(Operand b, Pop(info.operand));
  TRY_ASSIGN(Operand a, Pop(info.operand));
  uint32_t dst = StackSlot(a.height);
  // f64 op whose second operand was just loaded: [load64 t addr off] is
  // dropped and folded in. `a` must need no code of its own (a constant
  // would be materialised after the load).
  if (std::optional<Op> fused = LoadOperandForm(info.op);
      fused && b.where == Where::kStack && a.where != Where::kConst && last_pos_ != kNoPos &&
      last_is_producer_ && last_op_ == Op::kLoad64 && code_[last_pos_ + 1] == StackSlot(b.height)) {
    const uint64_t addr = code_[last_pos_ + 2], off = code_[last_pos_ + 3];
    code_.resize(last_pos_);
    BindLabel();
    uint32_t sa = SlotOf(a);
    Emit(*fused);
    Word(dst);
    Word(sa);
    Word(addr);
    Word(off);
    MarkProducer(dst);
    Push(info.result);
    return {};
  }
  std::optional<Op> imm = b.where == Where::kConst ? ImmediateForm(info.op) : std::nullopt;
  uint32_t sa = SlotOf(a);
  if (imm) {
    Emit(*imm);
    Word(dst);
    Word(sa);
    Word(b.value);
  } else {
    uint32_t sb = SlotOf(b);
    Emit(info.op);
    Word(dst);
    Word(sa);
    Word(sb);
  }
  MarkProducer(dst);
  Push(info.result);
  return {};
}

Result<void> FunctionCompiler::CompileRef(uint8_t opcode) {
  if (opcode == 0xD0) {  // ref.null t
    TRY_ASSIGN(ValType t, ReadRefType());
    PushConst(t, 0);
    return {};
  }
  if (opcode == 0xD1) {  // ref.is_null: null is all-zero bits
    TRY_ASSIGN(Operand a, Pop());
    if (!IsRefType(a.type) && a.type != kUnknown) return Invalid("type mismatch");
    uint32_t dst = StackSlot(a.height);
    uint32_t sa = SlotOf(a);
    Emit(Op::kI64Eqz);
    Word(dst);
    Word(sa);
    MarkProducer(dst);
    Push(ValType::kI32);
    return {};
  }
  TRY_ASSIGN(uint32_t index, reader_.ReadU32());  // ref.func
  if (index >= module_.functions.size()) return Invalid("unknown function " + std::to_string(index));
  if (!IsDeclaredFuncRef(module_, index)) return Invalid("undeclared function reference");
  uint32_t dst = StackSlot(Height());
  Emit(Op::kRefFunc);
  Word(dst);
  Word(index);
  MarkProducer(dst);
  Push(ValType::kFuncRef);
  return {};
}

Result<void> FunctionCompiler::CompileTableGetSet(uint8_t opcode) {
  TRY_ASSIGN(uint32_t table, reader_.ReadU32());
  TRY(CheckTable(table));
  const ValType elem = module_.tables[table].elem;
  if (opcode == 0x25) {  // table.get
    TRY_ASSIGN(Operand index, Pop(ValType::kI32));
    uint32_t dst = StackSlot(index.height);
    uint32_t si = SlotOf(index);
    Emit(Op::kTableGet);
    Word(dst);
    Word(table);
    Word(si);
    Push(elem);
    return {};
  }
  TRY_ASSIGN(Operand value, Pop(elem));  // table.set
  TRY_ASSIGN(Operand index, Pop(ValType::kI32));
  uint32_t si = SlotOf(index), sv = SlotOf(value);
  Emit(Op::kTableSet);
  Word(table);
  Word(si);
  Word(sv);
  return {};
}

Result<void> FunctionCompiler::CompilePrefixFC() {
  TRY_ASSIGN(uint32_t sub, reader_.ReadU32());
  if (std::optional<NumericInfo> info = LookupSaturating(sub)) return CompileNumeric(*info);
  if (sub >= 8 && sub <= 11) return CompileBulkMemory(sub);
  if (sub >= 12 && sub <= 17) return CompileBulkTable(sub);
  return Malformed("illegal opcode");
}

Result<void> FunctionCompiler::CompileBulkMemory(uint32_t sub) {
  uint32_t segment = 0;
  if (sub == 8 || sub == 9) {  // memory.init, data.drop
    TRY_ASSIGN(segment, reader_.ReadU32());
    if (sub == 8) {
      TRY(ExpectZeroByte());
      TRY(CheckMemory());
    }
    // The data count section lets the body be validated in one pass. Without
    // data segments there is nothing to count: the index is just unknown.
    if (!module_.data_count && !module_.datas.empty()) return Malformed("data count section required");
    if (segment >= module_.data_count.value_or(0))
      return Invalid("unknown data segment " + std::to_string(segment));
    if (sub == 9) {
      Emit(Op::kDataDrop);
      Word(segment);
      return {};
    }
  } else {
    TRY(ExpectZeroByte());
    if (sub == 10) TRY(ExpectZeroByte());
    TRY(CheckMemory());
  }
  // memory.init/copy: d s n; memory.fill: d value n. All i32.
  TRY_ASSIGN(Operand n, Pop(ValType::kI32));
  TRY_ASSIGN(Operand s, Pop(ValType::kI32));
  TRY_ASSIGN(Operand d, Pop(ValType::kI32));
  uint32_t sd = SlotOf(d), ss = SlotOf(s), sn = SlotOf(n);
  if (sub == 8) {
    Emit(Op::kMemoryInit);
    Word(segment);
  } else {
    Emit(sub == 10 ? Op::kMemoryCopy : Op::kMemoryFill);
  }
  Word(sd);
  Word(ss);
  Word(sn);
  return {};
}

Result<void> FunctionCompiler::CompileBulkTable(uint32_t sub) {
  if (sub == 12 || sub == 13) {  // table.init elem table, elem.drop elem
    TRY_ASSIGN(uint32_t elem, reader_.ReadU32());
    uint32_t table = 0;
    if (sub == 12) {
      TRY_ASSIGN(table, reader_.ReadU32());
      TRY(CheckTable(table));
    }
    if (elem >= module_.elems.size()) return Invalid("unknown elem segment " + std::to_string(elem));
    if (sub == 13) {
      Emit(Op::kElemDrop);
      Word(elem);
      return {};
    }
    if (module_.elems[elem].type != module_.tables[table].elem) return Invalid("type mismatch");
    TRY_ASSIGN(Operand n, Pop(ValType::kI32));
    TRY_ASSIGN(Operand s, Pop(ValType::kI32));
    TRY_ASSIGN(Operand d, Pop(ValType::kI32));
    uint32_t sd = SlotOf(d), ss = SlotOf(s), sn = SlotOf(n);
    Emit(Op::kTableInit);
    for (uint64_t w : {uint64_t{table}, uint64_t{elem}, uint64_t{sd}, uint64_t{ss}, uint64_t{sn}}) Word(w);
    return {};
  }
  TRY_ASSIGN(uint32_t table, reader_.ReadU32());
  TRY(CheckTable(table));
  const ValType elem = module_.tables[table].elem;
  if (sub == 14) {  // table.copy dst src
    TRY_ASSIGN(uint32_t src_table, reader_.ReadU32());
    TRY(CheckTable(src_table));
    if (module_.tables[src_table].elem != elem) return Invalid("type mismatch");
    TRY_ASSIGN(Operand n, Pop(ValType::kI32));
    TRY_ASSIGN(Operand s, Pop(ValType::kI32));
    TRY_ASSIGN(Operand d, Pop(ValType::kI32));
    uint32_t sd = SlotOf(d), ss = SlotOf(s), sn = SlotOf(n);
    Emit(Op::kTableCopy);
    for (uint64_t w : {uint64_t{table}, uint64_t{src_table}, uint64_t{sd}, uint64_t{ss}, uint64_t{sn}}) Word(w);
    return {};
  }
  if (sub == 15) {  // table.grow: init n -> old size
    TRY_ASSIGN(Operand n, Pop(ValType::kI32));
    TRY_ASSIGN(Operand init, Pop(elem));
    uint32_t dst = StackSlot(init.height);
    uint32_t si = SlotOf(init), sn = SlotOf(n);
    Emit(Op::kTableGrow);
    for (uint64_t w : {uint64_t{dst}, uint64_t{table}, uint64_t{si}, uint64_t{sn}}) Word(w);
    Push(ValType::kI32);
    return {};
  }
  if (sub == 16) {  // table.size
    uint32_t dst = StackSlot(Height());
    Emit(Op::kTableSize);
    Word(dst);
    Word(table);
    Push(ValType::kI32);
    return {};
  }
  // table.fill: i value n
  TRY_ASSIGN(Operand n, Pop(ValType::kI32));
  TRY_ASSIGN(Operand value, Pop(elem));
  TRY_ASSIGN(Operand i, Pop(ValType::kI32));
  uint32_t si = SlotOf(i), sv = SlotOf(value), sn = SlotOf(n);
  Emit(Op::kTableFill);
  for (uint64_t w : {uint64_t{table}, uint64_t{si}, uint64_t{sv}, uint64_t{sn}}) Word(w);
  return {};
}

}  // namespace capsa::engine
