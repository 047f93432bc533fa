// FunctionCompiler: the driver, the opcode dispatch and the control
// instructions (blocks, branches, calls).
#include "engine/interp/function_compiler.h"

#include <cstdio>

#include "engine/interp/compiler.h"
#include "engine/interp/type_ids.h"

namespace capsa::engine {

void DestroyCompiledFunction(CompiledFunction* f) { delete f; }

Result<CompiledFunctionPtr> CompileFunction(const Module& module, uint32_t defined_index) {
  if (defined_index >= module.bodies.size())
    return Error{ErrorCode::kInternal, "CompileFunction: no such function body"};
  FunctionCompiler compiler(module, defined_index);
  return compiler.Compile();
}

FunctionCompiler::FunctionCompiler(const Module& module, uint32_t defined_index)
    : module_(module),
      func_index_(module.num_imported_functions + defined_index),
      body_(module.bodies[defined_index]),
      type_(module.types[body_.type_index]),
      reader_(body_.code),
      handlers_(InterpreterHandlers()) {}

Error FunctionCompiler::Located(const Error& e) const {
  char prefix[96];
  std::snprintf(prefix, sizeof(prefix), "code section, function %u, offset 0x%llx: ", func_index_,
                static_cast<unsigned long long>(body_.code_offset + instr_start_));
  return Error{e.code, prefix + e.message};
}

Result<CompiledFunctionPtr> FunctionCompiler::Compile() {
  locals_ = type_.params;
  locals_.insert(locals_.end(), body_.locals.begin(), body_.locals.end());
  local_refs_.assign(locals_.size(), 0);
  base_ = static_cast<uint32_t>(locals_.size());
  code_.reserve(body_.code.size() * 2 + 8);

  Result<void> r = CompileBody();
  if (!r.ok()) return Located(r.error());

  CompiledFunctionPtr f(new CompiledFunction);
  f->code = std::move(code_);
  f->num_params = static_cast<uint32_t>(type_.params.size());
  f->num_locals = static_cast<uint32_t>(body_.locals.size());
  f->num_results = static_cast<uint32_t>(type_.results.size());
  f->frame_slots = base_ + max_height_;
  return f;
}

Result<void> FunctionCompiler::CompileBody() {
  PushCtrl(CtrlKind::kFunction, {}, type_.results);
  while (!ctrls_.empty()) {
    instr_start_ = reader_.pos();
    TRY_ASSIGN(uint8_t opcode, reader_.ReadByte());
    TRY(CompileInstruction(opcode));
  }
  if (!reader_.at_end()) {
    instr_start_ = reader_.pos();
    return Malformed("section size mismatch");
  }
  return {};
}

Result<void> FunctionCompiler::CompileInstruction(uint8_t opcode) {
  switch (opcode) {
    case 0x00:  // unreachable
      Emit(Op::kUnreachable);
      SetUnreachable();
      return {};
    case 0x01:  // nop
      return {};
    case 0x02: return CompileBlock(CtrlKind::kBlock);
    case 0x03: return CompileBlock(CtrlKind::kLoop);
    case 0x04: return CompileBlock(CtrlKind::kIf);
    case 0x05: return CompileElse();
    case 0x0B: return CompileEnd();
    case 0x0C: return CompileBr();
    case 0x0D: return CompileBrIf();
    case 0x0E: return CompileBrTable();
    case 0x0F: return CompileReturn();
    case 0x10: return CompileCall();
    case 0x11: return CompileCallIndirect();
    case 0x1A: {  // drop
      TRY(Pop());
      return {};
    }
    case 0x1B: return CompileSelect(false);
    case 0x1C: return CompileSelect(true);
    case 0x20: case 0x21: case 0x22: return CompileLocal(opcode);
    case 0x23: case 0x24: return CompileGlobal(opcode);
    case 0x25: case 0x26: return CompileTableGetSet(opcode);
    case 0x3F: case 0x40: return CompileMemorySizeGrow(opcode);
    case 0x41: {
      TRY_ASSIGN(uint32_t v, reader_.ReadS32());
      PushConst(ValType::kI32, v);
      return {};
    }
    case 0x42: {
      TRY_ASSIGN(uint64_t v, reader_.ReadS64());
      PushConst(ValType::kI64, v);
      return {};
    }
    case 0x43: {
      TRY_ASSIGN(uint64_t v, reader_.ReadFixed(4));
      PushConst(ValType::kF32, v);
      return {};
    }
    case 0x44: {
      TRY_ASSIGN(uint64_t v, reader_.ReadFixed(8));
      PushConst(ValType::kF64, v);
      return {};
    }
    case 0xD0: case 0xD1: case 0xD2: return CompileRef(opcode);
    case 0xFC: return CompilePrefixFC();
    case 0xFD: return Error{ErrorCode::kUnsupported, "SIMD instructions are not supported"};
    default:
      break;
  }
  if (opcode >= 0x28 && opcode <= 0x35) return CompileLoad(opcode);
  if (opcode >= 0x36 && opcode <= 0x3E) return CompileStore(opcode);
  if (std::optional<NumericInfo> info = LookupNumeric(opcode)) return CompileNumeric(*info);
  return Malformed("illegal opcode");
}

Result<void> FunctionCompiler::ReadBlockType(std::vector<ValType>* params,
                                             std::vector<ValType>* results) {
  TRY_ASSIGN(uint8_t b, reader_.PeekByte());
  switch (b) {
    case 0x40:
      (void)reader_.ReadByte();
      return {};
    case 0x7F: case 0x7E: case 0x7D: case 0x7C: case 0x70: case 0x6F:
      (void)reader_.ReadByte();
      results->push_back(static_cast<ValType>(b));
      return {};
    case 0x7B:
      return Error{ErrorCode::kUnsupported, "SIMD (v128) is not supported"};
    default:
      break;
  }
  TRY_ASSIGN(int64_t index, reader_.ReadS33());
  if (index < 0) return Malformed("malformed value type");
  if (static_cast<uint64_t>(index) >= module_.types.size()) return Invalid("unknown type");
  *params = module_.types[index].params;
  *results = module_.types[index].results;
  return {};
}

Result<void> FunctionCompiler::CompileBlock(CtrlKind kind) {
  std::vector<ValType> params, results;
  TRY(ReadBlockType(&params, &results));
  std::optional<Operand> cond;
  if (kind == CtrlKind::kIf) {
    TRY_ASSIGN(cond, Pop(ValType::kI32));
  }
  // Labels see a fixed layout: every value of this frame in its own slot.
  MaterializeFrame();
  TRY(PopValues(params));
  std::optional<Patch> else_patch;
  if (kind == CtrlKind::kIf && Live()) else_patch = EmitCondJump(*cond, /*negate=*/true);
  PushCtrl(kind, std::move(params), std::move(results));
  Ctrl& ctrl = ctrls_.back();
  ctrl.else_patch = else_patch;
  if (kind == CtrlKind::kLoop && Live()) {
    BindLabel();
    // Without metering the header costs nothing: branches go straight to the body.
    ctrl.loop_pos = module_.fuel_metering ? Emit(Op::kFuel) : code_.size();
  }
  return {};
}

Result<void> FunctionCompiler::CompileElse() {
  Ctrl& ctrl = ctrls_.back();
  if (ctrl.kind != CtrlKind::kIf) return Malformed("else without matching if");
  MaterializeFrame();
  TRY(CheckFrameEnd(ctrl));
  if (Live()) ctrl.patches.push_back(EmitJump(Op::kBr, {}));
  if (ctrl.else_patch) BindHere(*ctrl.else_patch);
  ctrl.else_patch.reset();
  ctrl.kind = CtrlKind::kElse;
  ctrl.unreachable = false;
  for (ValType t : ctrl.params) Push(t);
  return {};
}

Result<void> FunctionCompiler::CompileEnd() {
  Ctrl& ctrl = ctrls_.back();
  MaterializeFrame();
  TRY(CheckFrameEnd(ctrl));
  if (ctrl.kind == CtrlKind::kIf && ctrl.params != ctrl.results) return Invalid("type mismatch");
  if (ctrl.kind == CtrlKind::kFunction) {
    if (Live()) {
      std::vector<Operand> ops;
      for (uint32_t i = 0; i < ctrl.results.size(); ++i)
        ops.push_back(Operand{ctrl.results[i], Where::kStack, 0, i});
      EmitReturn(ops);
    }
    ctrls_.pop_back();
    return {};
  }
  // An if without else: the false path reaches the end with its params,
  // which equal the results and already sit in the result slots.
  if (ctrl.else_patch) BindHere(*ctrl.else_patch);
  for (const Patch& p : ctrl.patches) BindHere(p);
  BindLabel();
  std::vector<ValType> results = std::move(ctrl.results);
  ctrls_.pop_back();
  for (ValType t : results) Push(t);
  return {};
}

Result<FunctionCompiler::Ctrl*> FunctionCompiler::LabelAt(uint32_t depth) {
  if (depth >= ctrls_.size()) return Invalid("unknown label");
  return &ctrls_[ctrls_.size() - 1 - depth];
}

Result<void> FunctionCompiler::CompileBr() {
  TRY_ASSIGN(uint32_t depth, reader_.ReadU32());
  TRY_ASSIGN(Ctrl * target, LabelAt(depth));
  TRY_ASSIGN(std::vector<Operand> ops, PopValues(target->label_types()));
  if (Live()) EmitBranch(*target, ops);
  SetUnreachable();
  return {};
}

Result<void> FunctionCompiler::CompileBrIf() {
  TRY_ASSIGN(uint32_t depth, reader_.ReadU32());
  TRY_ASSIGN(Ctrl * target, LabelAt(depth));
  TRY_ASSIGN(Operand cond, Pop(ValType::kI32));
  const std::vector<ValType>& types = target->label_types();
  TRY_ASSIGN(std::vector<Operand> ops, PopValues(types));
  if (Live()) {
    if (!NeedsMoves(*target, ops)) {
      LinkTo(*target, EmitCondJump(cond, /*negate=*/false));
    } else {
      // Moves happen only on the taken path: the fallthrough keeps its values.
      Patch skip = EmitCondJump(cond, /*negate=*/true);
      EmitBranch(*target, ops);
      BindHere(skip);
    }
  }
  for (size_t i = 0; i < ops.size(); ++i) PushOperand(ops[i], types[i]);
  return {};
}

Result<void> FunctionCompiler::CompileBrTable() {
  TRY_ASSIGN(uint32_t count, reader_.ReadU32());
  std::vector<uint32_t> depths;
  depths.reserve(std::min<size_t>(count, body_.code.size()) + 1);
  for (uint64_t i = 0; i <= count; ++i) {
    TRY_ASSIGN(uint32_t d, reader_.ReadU32());
    depths.push_back(d);
  }
  TRY_ASSIGN(Operand index, Pop(ValType::kI32));
  TRY_ASSIGN(Ctrl * def, LabelAt(depths.back()));
  const size_t arity = def->label_types().size();
  for (size_t i = 0; i < count; ++i) {
    TRY_ASSIGN(Ctrl * target, LabelAt(depths[i]));
    if (target->label_types().size() != arity) return Invalid("type mismatch");
    TRY_ASSIGN(std::vector<Operand> ops, PopValues(target->label_types()));
    for (const Operand& op : ops) PushOperand(op, op.type);
  }
  TRY_ASSIGN(std::vector<Operand> ops, PopValues(def->label_types()));
  if (Live()) {
    uint32_t index_slot = SlotOf(index);
    size_t pos = Emit(Op::kBrTable);
    Word(index_slot);
    Word(count);
    size_t table = code_.size();
    for (size_t i = 0; i <= count; ++i) Word(0);
    // Targets that need value moves (or a return) get a stub after the table.
    std::vector<std::pair<Ctrl*, size_t>> stubs;  // target, stub position
    for (size_t i = 0; i <= count; ++i) {
      Ctrl& target = ctrls_[ctrls_.size() - 1 - depths[i]];
      Patch entry{pos, table + i};
      if (!NeedsMoves(target, ops)) {
        LinkTo(target, entry);
        continue;
      }
      size_t stub = kNoPos;
      for (auto& [t, p] : stubs)
        if (t == &target) stub = p;
      if (stub == kNoPos) {
        stub = code_.size();
        BindLabel();
        EmitBranch(target, ops);
        stubs.emplace_back(&target, stub);
      }
      code_[entry.word] = static_cast<uint64_t>(stub - pos);
    }
  }
  SetUnreachable();
  return {};
}

Result<void> FunctionCompiler::CompileReturn() {
  TRY_ASSIGN(std::vector<Operand> ops, PopValues(type_.results));
  if (Live()) EmitReturn(ops);
  SetUnreachable();
  return {};
}

Result<void> FunctionCompiler::CompileCall() {
  TRY_ASSIGN(uint32_t callee, reader_.ReadU32());
  if (callee >= module_.functions.size()) return Invalid("unknown function " + std::to_string(callee));
  const FuncType& type = module_.FunctionType(callee);
  TRY_ASSIGN(std::vector<Operand> args, PopValues(type.params));
  for (const Operand& a : args) Materialize(a);
  Emit(Op::kCall);
  Word(callee);
  Word(StackSlot(Height()));
  for (ValType t : type.results) Push(t);
  return {};
}

Result<void> FunctionCompiler::CompileCallIndirect() {
  TRY_ASSIGN(uint32_t type_index, reader_.ReadU32());
  TRY_ASSIGN(uint32_t table, reader_.ReadU32());
  TRY(CheckTable(table));
  if (type_index >= module_.types.size()) return Invalid("unknown type " + std::to_string(type_index));
  if (module_.tables[table].elem != ValType::kFuncRef) return Invalid("type mismatch");
  const FuncType& type = module_.types[type_index];
  TRY_ASSIGN(Operand index, Pop(ValType::kI32));
  TRY_ASSIGN(std::vector<Operand> args, PopValues(type.params));
  uint32_t index_slot = SlotOf(index);
  for (const Operand& a : args) Materialize(a);
  Emit(Op::kCallIndirect);
  Word(CanonicalTypeId(type));
  Word(table);
  Word(StackSlot(Height()));
  Word(index_slot);
  for (ValType t : type.results) Push(t);
  return {};
}

}  // namespace capsa::engine
