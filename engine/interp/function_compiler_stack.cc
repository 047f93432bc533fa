// FunctionCompiler: the validation stacks and the code emission helpers.
#include <algorithm>

#include "engine/interp/function_compiler.h"

namespace capsa::engine {

// --- operand and control stacks (the spec's validation algorithm)

void FunctionCompiler::Push(ValType type) {
  vals_.push_back(Entry{type, Where::kStack, 0});
  max_height_ = std::max(max_height_, Height());
}

void FunctionCompiler::PushLocal(ValType type, uint32_t local) {
  vals_.push_back(Entry{type, Where::kLocal, local});
  ++local_refs_[local];
  max_height_ = std::max(max_height_, Height());
}

void FunctionCompiler::PushConst(ValType type, uint64_t bits) {
  vals_.push_back(Entry{type, Where::kConst, bits});
  max_height_ = std::max(max_height_, Height());
}

void FunctionCompiler::PushOperand(const Operand& op, ValType type) {
  if (op.where == Where::kLocal) {
    PushLocal(type, static_cast<uint32_t>(op.value));
  } else {
    vals_.push_back(Entry{type, op.where, op.value});
    max_height_ = std::max(max_height_, Height());
  }
}

Result<FunctionCompiler::Operand> FunctionCompiler::Pop(ValType expected) {
  const Ctrl& ctrl = ctrls_.back();
  if (vals_.size() == ctrl.height) {
    if (ctrl.unreachable) return Operand{kUnknown, Where::kStack, 0, Height()};
    return Invalid("type mismatch");
  }
  Entry e = vals_.back();
  vals_.pop_back();
  if (e.where == Where::kLocal) --local_refs_[e.value];
  if (e.type != expected && e.type != kUnknown && expected != kUnknown)
    return Invalid("type mismatch");
  return Operand{e.type, e.where, e.value, Height()};
}

Result<std::vector<FunctionCompiler::Operand>> FunctionCompiler::PopValues(
    const std::vector<ValType>& types) {
  std::vector<Operand> ops(types.size());
  for (size_t i = types.size(); i-- > 0;) {
    TRY_ASSIGN(ops[i], Pop(types[i]));
  }
  return ops;
}

Result<void> FunctionCompiler::CheckFrameEnd(Ctrl& ctrl) {
  TRY(PopValues(ctrl.results));
  if (vals_.size() != ctrl.height) return Invalid("type mismatch");
  return {};
}

void FunctionCompiler::PushCtrl(CtrlKind kind, std::vector<ValType> params,
                                std::vector<ValType> results) {
  bool dead = !ctrls_.empty() && !Live();
  Ctrl ctrl;
  ctrl.kind = kind;
  ctrl.params = std::move(params);
  ctrl.results = std::move(results);
  ctrl.height = Height();
  ctrl.dead = dead;
  ctrls_.push_back(std::move(ctrl));
  for (ValType t : ctrls_.back().params) Push(t);
}

void FunctionCompiler::SetUnreachable() {
  Ctrl& ctrl = ctrls_.back();
  while (vals_.size() > ctrl.height) {
    if (vals_.back().where == Where::kLocal) --local_refs_[vals_.back().value];
    vals_.pop_back();
  }
  ctrl.unreachable = true;
}

// --- emission

size_t FunctionCompiler::Emit(Op op) {
  if (!Live()) return kNoPos;
  last_pos_ = code_.size();
  last_op_ = op;
  last_is_producer_ = false;
  code_.push_back(reinterpret_cast<uint64_t>(handlers_[static_cast<size_t>(op)]));
  return last_pos_;
}

void FunctionCompiler::Word(uint64_t w) {
  if (Live()) code_.push_back(w);
}

void FunctionCompiler::MarkProducer(uint32_t slot) {
  if (!Live()) return;
  last_is_producer_ = code_[last_pos_ + 1] == slot;
}

void FunctionCompiler::EmitCopy(uint32_t dst, const Operand& src) {
  switch (src.where) {
    case Where::kConst:
      Emit(Op::kConst);
      Word(dst);
      Word(src.value);
      return;
    case Where::kLocal:
      if (src.value == dst) return;
      Emit(Op::kCopy);
      Word(dst);
      Word(src.value);
      return;
    case Where::kStack:
      if (StackSlot(src.height) == dst) return;
      Emit(Op::kCopy);
      Word(dst);
      Word(StackSlot(src.height));
      return;
  }
}

uint32_t FunctionCompiler::SlotOf(const Operand& op) {
  switch (op.where) {
    case Where::kLocal:
      return static_cast<uint32_t>(op.value);
    case Where::kConst:
      EmitCopy(StackSlot(op.height), op);
      return StackSlot(op.height);
    case Where::kStack:
      break;
  }
  return StackSlot(op.height);
}

void FunctionCompiler::Materialize(const Operand& op) {
  if (op.where != Where::kStack) EmitCopy(StackSlot(op.height), op);
}

void FunctionCompiler::MaterializeFrame() {
  for (size_t h = ctrls_.back().height; h < vals_.size(); ++h) {
    Entry& e = vals_[h];
    if (e.where == Where::kStack) continue;
    Materialize(Operand{e.type, e.where, e.value, static_cast<uint32_t>(h)});
    if (e.where == Where::kLocal) --local_refs_[e.value];
    e.where = Where::kStack;
  }
}

void FunctionCompiler::MaterializeLocal(uint32_t local) {
  for (size_t h = vals_.size(); h-- > 0 && local_refs_[local] > 0;) {
    Entry& e = vals_[h];
    if (e.where != Where::kLocal || e.value != local) continue;
    Materialize(Operand{e.type, e.where, e.value, static_cast<uint32_t>(h)});
    --local_refs_[local];
    e.where = Where::kStack;
  }
}

void FunctionCompiler::BindHere(const Patch& patch) {
  if (patch.instr == kNoPos) return;
  code_[patch.word] = static_cast<uint64_t>(code_.size() - patch.instr);
  BindLabel();
}

void FunctionCompiler::BindLabel() { last_pos_ = kNoPos; }

FunctionCompiler::Patch FunctionCompiler::EmitJump(Op op, std::initializer_list<uint64_t> operands) {
  size_t pos = Emit(op);
  for (uint64_t w : operands) Word(w);
  Word(0);
  return Patch{pos, code_.size() - 1};
}

FunctionCompiler::Patch FunctionCompiler::EmitCondJump(const Operand& cond, bool negate) {
  if (cond.where == Where::kStack && last_pos_ != kNoPos && last_is_producer_ &&
      code_[last_pos_ + 1] == StackSlot(cond.height)) {
    Op compare = last_op_;
    std::optional<Op> fused;
    if (compare == Op::kI32Eqz) {
      fused = negate ? Op::kBrI32Nez : Op::kBrI32Eqz;
    } else if (negate) {
      std::optional<Op> inverse = NegatedCompare(compare);
      if (inverse) fused = FusedBranchForm(*inverse);
    } else {
      fused = FusedBranchForm(compare);
    }
    if (fused) {
      // [compare, dst, a, (b)] becomes [fused, a, (b), rel].
      std::vector<uint64_t> operands(code_.begin() + last_pos_ + 2, code_.end());
      code_.resize(last_pos_);
      size_t pos = Emit(*fused);
      for (uint64_t w : operands) Word(w);
      Word(0);
      return Patch{pos, code_.size() - 1};
    }
  }
  uint32_t slot = SlotOf(cond);
  return EmitJump(negate ? Op::kBrUnless : Op::kBrIf, {slot});
}

bool FunctionCompiler::NeedsMoves(const Ctrl& target, const std::vector<Operand>& ops) const {
  if (target.kind == CtrlKind::kFunction) return true;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].where != Where::kStack || ops[i].height != target.height + i) return true;
  }
  return false;
}

// Destinations are the target's stack slots, at or below the sources' own
// slots, and locals are never destinations, so moving in order is safe.
void FunctionCompiler::EmitBranchMoves(const Ctrl& target, const std::vector<Operand>& ops) {
  for (size_t i = 0; i < ops.size(); ++i)
    EmitCopy(StackSlot(target.height + static_cast<uint32_t>(i)), ops[i]);
}

void FunctionCompiler::LinkTo(Ctrl& target, const Patch& patch) {
  if (patch.instr == kNoPos) return;
  if (target.kind == CtrlKind::kLoop) {
    code_[patch.word] = static_cast<uint64_t>(static_cast<int64_t>(target.loop_pos) -
                                              static_cast<int64_t>(patch.instr));
  } else {
    target.patches.push_back(patch);
  }
}

void FunctionCompiler::EmitBranch(Ctrl& target, const std::vector<Operand>& ops) {
  if (target.kind == CtrlKind::kFunction) {
    EmitReturn(ops);
    return;
  }
  EmitBranchMoves(target, ops);
  LinkTo(target, EmitJump(Op::kBr, {}));
}

// Results go to slots [0, n). A result still deferred in a local below n
// could be overwritten by an earlier move, so those are materialised first;
// stack-slot sources always sit at or above their destination.
void FunctionCompiler::EmitReturn(const std::vector<Operand>& ops) {
  const size_t n = ops.size();
  std::vector<Operand> srcs = ops;
  for (size_t i = 0; i < n; ++i) {
    Operand& op = srcs[i];
    if (op.where == Where::kLocal && op.value < n && op.value != i) {
      Materialize(op);
      op.where = Where::kStack;
    }
  }
  for (size_t i = 0; i < n; ++i) EmitCopy(static_cast<uint32_t>(i), srcs[i]);
  Emit(Op::kReturn);
}

}  // namespace capsa::engine
