// The numeric instructions (opcodes 0x45-0xC4 and the saturating truncations
// 0xFC 0-7) are uniform: pop one or two operands of fixed types, push one
// result. This table gives their types and internal op.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/interp/code.h"
#include "engine/module.h"

namespace capsa::engine {

struct NumericInfo {
  Op op;
  uint8_t arity;  // 1 or 2 operands
  ValType operand;
  ValType result;
  // A reinterpretation: the result is the operand's bits, so no code is emitted.
  bool no_op = false;
};

// Opcode 0x45-0xC4; nullopt for bytes that are not numeric instructions.
std::optional<NumericInfo> LookupNumeric(uint8_t opcode);
// 0xFC sub-opcode 0-7 (saturating truncations).
std::optional<NumericInfo> LookupSaturating(uint32_t sub_opcode);
// The variant of a binary op that takes its second operand as an immediate, if any.
std::optional<Op> ImmediateForm(Op op);
// The fused compare-and-branch of an i32 comparison (register or immediate form).
std::optional<Op> FusedBranchForm(Op compare);
// The comparison that holds exactly when `compare` does not (i32 only).
std::optional<Op> NegatedCompare(Op compare);

}  // namespace capsa::engine
