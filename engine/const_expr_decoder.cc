// Constant expressions, and stepping over instructions. The decoder must tell
// malformed bytes (an unknown opcode, a bad immediate) apart from well-formed
// expressions that are merely invalid (a non-constant instruction, two
// values), because the spec reports the two differently; so this file knows
// the immediates of every 2.0 instruction, enough to step over any of them.
#include "engine/decoder_internal.h"

#include <cstdio>

namespace capsa::engine::decoder_internal {
namespace {

Result<void> SkipBlockType(BinaryReader& r) {
  TRY_ASSIGN(uint8_t b, r.PeekU8());
  if (b == 0x40) {
    TRY(r.U8());
    return {};
  }
  if (b == 0x7F || b == 0x7E || b == 0x7D || b == 0x7C || b == 0x70 || b == 0x6F || b == 0x7B) {
    TRY(r.ReadValType());
    return {};
  }
  size_t at = r.pos();
  TRY_ASSIGN(int64_t type_index, r.S33());
  if (type_index < 0)
    return r.Fail(at, "malformed block type");
  return {};
}

Result<void> ExpectZero(BinaryReader& r) {
  size_t at = r.pos();
  TRY_ASSIGN(uint8_t b, r.U8());
  if (b != 0)
    return r.Fail(at, "zero byte expected");
  return {};
}

Result<void> SkipMemArg(BinaryReader& r) {
  size_t at = r.pos();
  TRY_ASSIGN(uint32_t align, r.U32());
  if (align >= 32)
    return r.Fail(at, "malformed memop flags");
  TRY(r.U32());
  return {};
}

Result<void> SkipPrefixedFC(BinaryReader& r, size_t at) {
  TRY_ASSIGN(uint32_t sub, r.U32());
  switch (sub) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
      return {};  // saturating truncations
    case 8:       // memory.init
      TRY(r.U32());
      return ExpectZero(r);
    case 9:
    case 13:
    case 15:
    case 16:
    case 17:  // data.drop elem.drop table.grow/size/fill
      TRY(r.U32());
      return {};
    case 10:  // memory.copy
      TRY(ExpectZero(r));
      return ExpectZero(r);
    case 11:  // memory.fill
      return ExpectZero(r);
    case 12:
    case 14:  // table.init table.copy
      TRY(r.U32());
      TRY(r.U32());
      return {};
    default: {
      char m[48];
      std::snprintf(m, sizeof m, "illegal opcode fc %02x", sub);
      return r.Fail(at, m);
    }
  }
}

// Steps over the immediates of a non-constant instruction `op` (already read).
// Adjusts `depth` for structured instructions.
Result<void> SkipInstruction(BinaryReader& r, uint8_t op, size_t at, int& depth) {
  if ((op >= 0x45 && op <= 0xC4) || op == 0x00 || op == 0x01 || op == 0x05 || op == 0x0F ||
      op == 0x1A || op == 0x1B || op == 0xD1) {
    return {};
  }
  if (op >= 0x28 && op <= 0x3E)
    return SkipMemArg(r);
  switch (op) {
    case 0x02:
    case 0x03:
    case 0x04:
      ++depth;
      return SkipBlockType(r);
    case 0x0C:
    case 0x0D:
    case 0x10:
    case 0x20:
    case 0x21:
    case 0x22:
    case 0x24:
    case 0x25:
    case 0x26:
      TRY(r.U32());
      return {};
    case 0x0E: {
      TRY_ASSIGN(uint32_t n, r.Len32());
      for (uint32_t i = 0; i <= n; ++i)
        TRY(r.U32());
      return {};
    }
    case 0x11:
      TRY(r.U32());
      TRY(r.U32());
      return {};
    case 0x1C: {
      TRY_ASSIGN(uint32_t n, r.Len32());
      for (uint32_t i = 0; i < n; ++i)
        TRY(r.ReadValType());
      return {};
    }
    case 0x3F:
    case 0x40:
      return ExpectZero(r);
    case 0xFC:
      return SkipPrefixedFC(r, at);
    case 0xFD:
      return r.Fail(at, "SIMD instructions are not supported", ErrorCode::kUnsupported);
    default: {
      char m[32];
      std::snprintf(m, sizeof m, "illegal opcode %02x", op);
      return r.Fail(at, m);
    }
  }
}

// Reads the immediate of constant instruction `op` into `e`. Returns false
// when `op` is not a constant instruction.
Result<bool> ReadConstInstruction(BinaryReader& r, uint8_t op, ConstExpr& e) {
  switch (op) {
    case 0x41: {
      TRY_ASSIGN(int32_t v, r.S32());
      e = ConstExpr{ConstExpr::Kind::kI32Const, static_cast<uint32_t>(v), ValType::kI32};
      return true;
    }
    case 0x42: {
      TRY_ASSIGN(int64_t v, r.S64());
      e = ConstExpr{ConstExpr::Kind::kI64Const, static_cast<uint64_t>(v), ValType::kI64};
      return true;
    }
    case 0x43: {
      TRY_ASSIGN(uint32_t v, r.Fixed32());
      e = ConstExpr{ConstExpr::Kind::kF32Const, v, ValType::kF32};
      return true;
    }
    case 0x44: {
      TRY_ASSIGN(uint64_t v, r.Fixed64());
      e = ConstExpr{ConstExpr::Kind::kF64Const, v, ValType::kF64};
      return true;
    }
    case 0xD0: {
      TRY_ASSIGN(ValType t, r.ReadRefType());
      e = ConstExpr{ConstExpr::Kind::kRefNull, 0, t};
      return true;
    }
    case 0xD2: {
      TRY_ASSIGN(uint32_t f, r.U32());
      e = ConstExpr{ConstExpr::Kind::kRefFunc, f, ValType::kFuncRef};
      return true;
    }
    case 0x23: {
      // The type is the global's; the validator fills it in.
      TRY_ASSIGN(uint32_t g, r.U32());
      e = ConstExpr{ConstExpr::Kind::kGlobalGet, g, ValType::kI32};
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

Result<void> SkipToFunctionEnd(BinaryReader& r) {
  int depth = 0;
  for (;;) {
    size_t at = r.pos();
    TRY_ASSIGN(uint8_t op, r.U8());
    if (op == 0x0B) {
      if (depth == 0)
        return {};
      --depth;
      continue;
    }
    if (op == 0x05 && depth == 0)
      return r.Fail(at, "END opcode expected");
    ConstExpr ignored;
    TRY_ASSIGN(bool is_const, ReadConstInstruction(r, op, ignored));
    if (!is_const)
      TRY(SkipInstruction(r, op, at, depth));
  }
}

Result<ConstExpr> ReadConstExpr(BinaryReader& r) {
  const size_t start = r.pos();
  ConstExpr first;
  int count = 0;
  int depth = 0;
  bool non_constant = false;
  for (;;) {
    size_t at = r.pos();
    TRY_ASSIGN(uint8_t op, r.U8());
    if (op == 0x0B) {
      if (depth == 0)
        break;
      --depth;
      continue;
    }
    if (depth == 0)
      ++count;
    ConstExpr e;
    TRY_ASSIGN(bool is_const, ReadConstInstruction(r, op, e));
    if (is_const) {
      if (count == 1 && depth == 0)
        first = e;
      continue;
    }
    non_constant = true;
    TRY(SkipInstruction(r, op, at, depth));
  }
  if (non_constant) {
    first.problem = ConstExpr::Problem::kNotConstant;
  } else if (count != 1) {
    first.problem = ConstExpr::Problem::kWrongArity;
  }
  first.binary_offset = start;
  return first;
}

}  // namespace capsa::engine::decoder_internal
