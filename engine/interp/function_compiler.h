// FunctionCompiler: the single pass behind CompileFunction(). It runs the
// spec's validation algorithm (WebAssembly 2.0, appendix "Validation
// Algorithm") over one body and, in the same pass, emits internal code
// (engine/interp/code.h).
//
// Operand stack entries are tracked with where their value lives: in its own
// stack slot, still in a local (local.get is deferred until the value is
// needed elsewhere or the local is overwritten), or as a constant (folded into
// immediate forms where one exists). At every block boundary all entries of
// the current frame are materialised into their stack slots, so labels see a
// fixed layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/result.h"
#include "engine/interp/body_reader.h"
#include "engine/interp/code.h"
#include "engine/interp/numeric_table.h"
#include "engine/module.h"

namespace capsa::engine {

class FunctionCompiler {
 public:
  FunctionCompiler(const Module& module, uint32_t defined_index);
  Result<CompiledFunctionPtr> Compile();

 private:
  // A type that matches anything: what the polymorphic stack yields.
  static constexpr ValType kUnknown = static_cast<ValType>(0);
  static constexpr size_t kNoPos = SIZE_MAX;

  enum class Where : uint8_t { kStack, kLocal, kConst };
  struct Entry {
    ValType type;
    Where where;
    uint64_t value;  // local index (kLocal) or bit pattern (kConst)
  };
  // A popped entry plus the stack height it was popped from.
  struct Operand {
    ValType type;
    Where where;
    uint64_t value;
    uint32_t height;
  };
  struct Patch {
    size_t instr;  // first word of the branching instruction
    size_t word;   // the word that receives the relative target
  };
  enum class CtrlKind : uint8_t { kFunction, kBlock, kLoop, kIf, kElse };
  struct Ctrl {
    CtrlKind kind = CtrlKind::kBlock;
    std::vector<ValType> params;
    std::vector<ValType> results;
    uint32_t height = 0;
    bool unreachable = false;
    bool dead = false;  // entered from unreachable code: nothing is emitted inside
    size_t loop_pos = kNoPos;
    std::vector<Patch> patches;      // forward branches to the end
    std::optional<Patch> else_patch;  // if: jump to the else arm when false
    const std::vector<ValType>& label_types() const {
      return kind == CtrlKind::kLoop ? params : results;
    }
  };

  // --- driver and control instructions (function_compiler.cc)
  Result<void> CompileBody();
  Result<void> CompileInstruction(uint8_t opcode);
  Result<void> ReadBlockType(std::vector<ValType>* params, std::vector<ValType>* results);
  Result<void> CompileBlock(CtrlKind kind);
  Result<void> CompileElse();
  Result<void> CompileEnd();
  Result<void> CompileBr();
  Result<void> CompileBrIf();
  Result<void> CompileBrTable();
  Result<void> CompileReturn();
  Result<void> CompileCall();
  Result<void> CompileCallIndirect();
  Result<Ctrl*> LabelAt(uint32_t depth);

  // --- all other instructions (function_compiler_ops.cc)
  Result<void> CompileLocal(uint8_t opcode);
  Result<void> CompileGlobal(uint8_t opcode);
  Result<void> CompileSelect(bool typed);
  Result<void> CompileLoad(uint8_t opcode);
  Result<void> CompileStore(uint8_t opcode);
  Result<void> CompileMemorySizeGrow(uint8_t opcode);
  Result<void> CompileNumeric(const NumericInfo& info);
  Result<void> CompileRef(uint8_t opcode);
  Result<void> CompileTableGetSet(uint8_t opcode);
  Result<void> CompilePrefixFC();
  Result<void> CompileBulkMemory(uint32_t sub);
  Result<void> CompileBulkTable(uint32_t sub);
  Result<void> ReadMemArg(uint32_t natural_log2, uint32_t* offset);
  // An address computed by the instruction just emitted (i32.add of two
  // slots, or of a slot and an immediate): that instruction is removed and
  // its operands returned, to be folded into the memory access.
  struct FusedAddress {
    bool imm;    // b is an immediate (else a slot)
    uint64_t a;  // slot
    uint64_t b;  // slot or immediate
  };
  std::optional<FusedAddress> TakeAddressAdd(const Operand& addr);
  Result<void> CheckMemory();
  Result<void> CheckTable(uint32_t index);
  Result<void> ExpectZeroByte();
  Result<ValType> ReadValType();
  Result<ValType> ReadRefType();

  // --- operand stack (function_compiler_stack.cc)
  void Push(ValType type);
  void PushLocal(ValType type, uint32_t local);
  void PushConst(ValType type, uint64_t bits);
  void PushOperand(const Operand& op, ValType type);
  Result<Operand> Pop(ValType expected = kUnknown);
  Result<std::vector<Operand>> PopValues(const std::vector<ValType>& types);
  Result<void> CheckFrameEnd(Ctrl& ctrl);
  void PushCtrl(CtrlKind kind, std::vector<ValType> params, std::vector<ValType> results);
  void SetUnreachable();
  uint32_t Height() const { return static_cast<uint32_t>(vals_.size()); }

  // --- code emission (function_compiler_stack.cc)
  bool Live() const { return !ctrls_.back().unreachable && !ctrls_.back().dead; }
  uint32_t StackSlot(uint32_t height) const { return base_ + height; }
  size_t Emit(Op op);
  void Word(uint64_t w);
  void EmitCopy(uint32_t dst, const Operand& src);
  // The slot holding `op` (materialising a constant into its stack slot).
  uint32_t SlotOf(const Operand& op);
  // Moves `op` into its own stack slot if it is deferred.
  void Materialize(const Operand& op);
  // Materialises every deferred entry of the current frame.
  void MaterializeFrame();
  // Materialises deferred copies of `local` before it is overwritten.
  void MaterializeLocal(uint32_t local);
  // Marks the last instruction as writing its result to `slot` at word 1.
  void MarkProducer(uint32_t slot);
  void BindHere(const Patch& patch);
  void BindLabel();
  Patch EmitJump(Op op, std::initializer_list<uint64_t> operands);
  // Conditional branch on `cond` (taken when nonzero, or zero if `negate`),
  // fusing a preceding i32 comparison that produced `cond`.
  Patch EmitCondJump(const Operand& cond, bool negate);
  bool NeedsMoves(const Ctrl& target, const std::vector<Operand>& ops) const;
  void EmitBranchMoves(const Ctrl& target, const std::vector<Operand>& ops);
  // Unconditional transfer to `target`'s label with `ops` as its values.
  void EmitBranch(Ctrl& target, const std::vector<Operand>& ops);
  void EmitReturn(const std::vector<Operand>& ops);
  void LinkTo(Ctrl& target, const Patch& patch);

  Error Located(const Error& e) const;
  static Error Invalid(std::string message) { return Error{ErrorCode::kInvalid, std::move(message)}; }
  static Error Malformed(std::string message) { return Error{ErrorCode::kMalformed, std::move(message)}; }

  const Module& module_;
  const uint32_t func_index_;
  const FunctionBody& body_;
  const FuncType& type_;
  BodyReader reader_;
  size_t instr_start_ = 0;

  std::vector<ValType> locals_;       // params, then declared locals
  std::vector<uint32_t> local_refs_;  // deferred stack entries per local
  uint32_t base_ = 0;                 // first stack slot
  uint32_t max_height_ = 0;
  std::vector<Entry> vals_;
  std::vector<Ctrl> ctrls_;

  const void* const* handlers_;
  std::vector<uint64_t> code_;
  size_t last_pos_ = kNoPos;      // first word of the last instruction
  Op last_op_ = Op::kUnreachable;
  bool last_is_producer_ = false;  // last instruction writes word 1's slot only
};

}  // namespace capsa::engine
