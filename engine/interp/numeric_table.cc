#include "engine/interp/numeric_table.h"

#include <array>

namespace capsa::engine {
namespace {

constexpr ValType I32 = ValType::kI32;
constexpr ValType I64 = ValType::kI64;
constexpr ValType F32 = ValType::kF32;
constexpr ValType F64 = ValType::kF64;

struct Row {
  uint8_t opcode;
  NumericInfo info;
};

constexpr NumericInfo Un(Op op, ValType in, ValType out) { return {op, 1, in, out, false}; }
constexpr NumericInfo Bin(Op op, ValType in, ValType out) { return {op, 2, in, out, false}; }
constexpr NumericInfo Reinterpret(ValType in, ValType out) { return {Op::kCopy, 1, in, out, true}; }

constexpr Row kRows[] = {
    {0x45, Un(Op::kI32Eqz, I32, I32)},        {0x46, Bin(Op::kI32Eq, I32, I32)},
    {0x47, Bin(Op::kI32Ne, I32, I32)},        {0x48, Bin(Op::kI32LtS, I32, I32)},
    {0x49, Bin(Op::kI32LtU, I32, I32)},       {0x4A, Bin(Op::kI32GtS, I32, I32)},
    {0x4B, Bin(Op::kI32GtU, I32, I32)},       {0x4C, Bin(Op::kI32LeS, I32, I32)},
    {0x4D, Bin(Op::kI32LeU, I32, I32)},       {0x4E, Bin(Op::kI32GeS, I32, I32)},
    {0x4F, Bin(Op::kI32GeU, I32, I32)},       {0x50, Un(Op::kI64Eqz, I64, I32)},
    {0x51, Bin(Op::kI64Eq, I64, I32)},        {0x52, Bin(Op::kI64Ne, I64, I32)},
    {0x53, Bin(Op::kI64LtS, I64, I32)},       {0x54, Bin(Op::kI64LtU, I64, I32)},
    {0x55, Bin(Op::kI64GtS, I64, I32)},       {0x56, Bin(Op::kI64GtU, I64, I32)},
    {0x57, Bin(Op::kI64LeS, I64, I32)},       {0x58, Bin(Op::kI64LeU, I64, I32)},
    {0x59, Bin(Op::kI64GeS, I64, I32)},       {0x5A, Bin(Op::kI64GeU, I64, I32)},
    {0x5B, Bin(Op::kF32Eq, F32, I32)},        {0x5C, Bin(Op::kF32Ne, F32, I32)},
    {0x5D, Bin(Op::kF32Lt, F32, I32)},        {0x5E, Bin(Op::kF32Gt, F32, I32)},
    {0x5F, Bin(Op::kF32Le, F32, I32)},        {0x60, Bin(Op::kF32Ge, F32, I32)},
    {0x61, Bin(Op::kF64Eq, F64, I32)},        {0x62, Bin(Op::kF64Ne, F64, I32)},
    {0x63, Bin(Op::kF64Lt, F64, I32)},        {0x64, Bin(Op::kF64Gt, F64, I32)},
    {0x65, Bin(Op::kF64Le, F64, I32)},        {0x66, Bin(Op::kF64Ge, F64, I32)},
    {0x67, Un(Op::kI32Clz, I32, I32)},        {0x68, Un(Op::kI32Ctz, I32, I32)},
    {0x69, Un(Op::kI32Popcnt, I32, I32)},     {0x6A, Bin(Op::kI32Add, I32, I32)},
    {0x6B, Bin(Op::kI32Sub, I32, I32)},       {0x6C, Bin(Op::kI32Mul, I32, I32)},
    {0x6D, Bin(Op::kI32DivS, I32, I32)},      {0x6E, Bin(Op::kI32DivU, I32, I32)},
    {0x6F, Bin(Op::kI32RemS, I32, I32)},      {0x70, Bin(Op::kI32RemU, I32, I32)},
    {0x71, Bin(Op::kI32And, I32, I32)},       {0x72, Bin(Op::kI32Or, I32, I32)},
    {0x73, Bin(Op::kI32Xor, I32, I32)},       {0x74, Bin(Op::kI32Shl, I32, I32)},
    {0x75, Bin(Op::kI32ShrS, I32, I32)},      {0x76, Bin(Op::kI32ShrU, I32, I32)},
    {0x77, Bin(Op::kI32Rotl, I32, I32)},      {0x78, Bin(Op::kI32Rotr, I32, I32)},
    {0x79, Un(Op::kI64Clz, I64, I64)},        {0x7A, Un(Op::kI64Ctz, I64, I64)},
    {0x7B, Un(Op::kI64Popcnt, I64, I64)},     {0x7C, Bin(Op::kI64Add, I64, I64)},
    {0x7D, Bin(Op::kI64Sub, I64, I64)},       {0x7E, Bin(Op::kI64Mul, I64, I64)},
    {0x7F, Bin(Op::kI64DivS, I64, I64)},      {0x80, Bin(Op::kI64DivU, I64, I64)},
    {0x81, Bin(Op::kI64RemS, I64, I64)},      {0x82, Bin(Op::kI64RemU, I64, I64)},
    {0x83, Bin(Op::kI64And, I64, I64)},       {0x84, Bin(Op::kI64Or, I64, I64)},
    {0x85, Bin(Op::kI64Xor, I64, I64)},       {0x86, Bin(Op::kI64Shl, I64, I64)},
    {0x87, Bin(Op::kI64ShrS, I64, I64)},      {0x88, Bin(Op::kI64ShrU, I64, I64)},
    {0x89, Bin(Op::kI64Rotl, I64, I64)},      {0x8A, Bin(Op::kI64Rotr, I64, I64)},
    {0x8B, Un(Op::kF32Abs, F32, F32)},        {0x8C, Un(Op::kF32Neg, F32, F32)},
    {0x8D, Un(Op::kF32Ceil, F32, F32)},       {0x8E, Un(Op::kF32Floor, F32, F32)},
    {0x8F, Un(Op::kF32Trunc, F32, F32)},      {0x90, Un(Op::kF32Nearest, F32, F32)},
    {0x91, Un(Op::kF32Sqrt, F32, F32)},       {0x92, Bin(Op::kF32Add, F32, F32)},
    {0x93, Bin(Op::kF32Sub, F32, F32)},       {0x94, Bin(Op::kF32Mul, F32, F32)},
    {0x95, Bin(Op::kF32Div, F32, F32)},       {0x96, Bin(Op::kF32Min, F32, F32)},
    {0x97, Bin(Op::kF32Max, F32, F32)},       {0x98, Bin(Op::kF32Copysign, F32, F32)},
    {0x99, Un(Op::kF64Abs, F64, F64)},        {0x9A, Un(Op::kF64Neg, F64, F64)},
    {0x9B, Un(Op::kF64Ceil, F64, F64)},       {0x9C, Un(Op::kF64Floor, F64, F64)},
    {0x9D, Un(Op::kF64Trunc, F64, F64)},      {0x9E, Un(Op::kF64Nearest, F64, F64)},
    {0x9F, Un(Op::kF64Sqrt, F64, F64)},       {0xA0, Bin(Op::kF64Add, F64, F64)},
    {0xA1, Bin(Op::kF64Sub, F64, F64)},       {0xA2, Bin(Op::kF64Mul, F64, F64)},
    {0xA3, Bin(Op::kF64Div, F64, F64)},       {0xA4, Bin(Op::kF64Min, F64, F64)},
    {0xA5, Bin(Op::kF64Max, F64, F64)},       {0xA6, Bin(Op::kF64Copysign, F64, F64)},
    {0xA7, Un(Op::kI32WrapI64, I64, I32)},    {0xA8, Un(Op::kI32TruncF32S, F32, I32)},
    {0xA9, Un(Op::kI32TruncF32U, F32, I32)},  {0xAA, Un(Op::kI32TruncF64S, F64, I32)},
    {0xAB, Un(Op::kI32TruncF64U, F64, I32)},  {0xAC, Un(Op::kI64ExtendI32S, I32, I64)},
    {0xAD, Un(Op::kI64ExtendI32U, I32, I64)}, {0xAE, Un(Op::kI64TruncF32S, F32, I64)},
    {0xAF, Un(Op::kI64TruncF32U, F32, I64)},  {0xB0, Un(Op::kI64TruncF64S, F64, I64)},
    {0xB1, Un(Op::kI64TruncF64U, F64, I64)},  {0xB2, Un(Op::kF32ConvertI32S, I32, F32)},
    {0xB3, Un(Op::kF32ConvertI32U, I32, F32)}, {0xB4, Un(Op::kF32ConvertI64S, I64, F32)},
    {0xB5, Un(Op::kF32ConvertI64U, I64, F32)}, {0xB6, Un(Op::kF32DemoteF64, F64, F32)},
    {0xB7, Un(Op::kF64ConvertI32S, I32, F64)}, {0xB8, Un(Op::kF64ConvertI32U, I32, F64)},
    {0xB9, Un(Op::kF64ConvertI64S, I64, F64)}, {0xBA, Un(Op::kF64ConvertI64U, I64, F64)},
    {0xBB, Un(Op::kF64PromoteF32, F32, F64)}, {0xBC, Reinterpret(F32, I32)},
    {0xBD, Reinterpret(F64, I64)},            {0xBE, Reinterpret(I32, F32)},
    {0xBF, Reinterpret(I64, F64)},            {0xC0, Un(Op::kI32Extend8S, I32, I32)},
    {0xC1, Un(Op::kI32Extend16S, I32, I32)},  {0xC2, Un(Op::kI64Extend8S, I64, I64)},
    {0xC3, Un(Op::kI64Extend16S, I64, I64)},  {0xC4, Un(Op::kI64Extend32S, I64, I64)},
};
static_assert(std::size(kRows) == 0xC4 - 0x45 + 1);
constexpr bool RowsInOrder() {
  for (size_t i = 0; i < std::size(kRows); ++i)
    if (kRows[i].opcode != 0x45 + i) return false;
  return true;
}
static_assert(RowsInOrder(), "kRows must be indexed by opcode - 0x45");

constexpr NumericInfo kSaturating[] = {
    Un(Op::kI32TruncSatF32S, F32, I32), Un(Op::kI32TruncSatF32U, F32, I32),
    Un(Op::kI32TruncSatF64S, F64, I32), Un(Op::kI32TruncSatF64U, F64, I32),
    Un(Op::kI64TruncSatF32S, F32, I64), Un(Op::kI64TruncSatF32U, F32, I64),
    Un(Op::kI64TruncSatF64S, F64, I64), Un(Op::kI64TruncSatF64U, F64, I64),
};

struct OpPair {
  Op from;
  Op to;
};

constexpr OpPair kImmediateForms[] = {
    {Op::kI32Add, Op::kI32AddImm},   {Op::kI32Sub, Op::kI32SubImm},   {Op::kI32Mul, Op::kI32MulImm},
    {Op::kI32And, Op::kI32AndImm},   {Op::kI32Or, Op::kI32OrImm},     {Op::kI32Xor, Op::kI32XorImm},
    {Op::kI32Shl, Op::kI32ShlImm},   {Op::kI32ShrS, Op::kI32ShrSImm}, {Op::kI32ShrU, Op::kI32ShrUImm},
    {Op::kI32Eq, Op::kI32EqImm},     {Op::kI32Ne, Op::kI32NeImm},     {Op::kI32LtS, Op::kI32LtSImm},
    {Op::kI32LtU, Op::kI32LtUImm},   {Op::kI32GtS, Op::kI32GtSImm},   {Op::kI32GtU, Op::kI32GtUImm},
    {Op::kI32LeS, Op::kI32LeSImm},   {Op::kI32LeU, Op::kI32LeUImm},   {Op::kI32GeS, Op::kI32GeSImm},
    {Op::kI32GeU, Op::kI32GeUImm},   {Op::kI64Add, Op::kI64AddImm},   {Op::kI64Sub, Op::kI64SubImm},
    {Op::kI64And, Op::kI64AndImm},   {Op::kI64Or, Op::kI64OrImm},     {Op::kI64Xor, Op::kI64XorImm},
    {Op::kI64Shl, Op::kI64ShlImm},   {Op::kI64ShrS, Op::kI64ShrSImm}, {Op::kI64ShrU, Op::kI64ShrUImm},
    {Op::kI32Rotl, Op::kI32RotlImm}, {Op::kI32Rotr, Op::kI32RotrImm}, {Op::kI64Mul, Op::kI64MulImm},
    {Op::kI64Rotl, Op::kI64RotlImm}, {Op::kI64Rotr, Op::kI64RotrImm}, {Op::kI64Eq, Op::kI64EqImm},
    {Op::kI64Ne, Op::kI64NeImm},     {Op::kI64LtS, Op::kI64LtSImm},   {Op::kI64LtU, Op::kI64LtUImm},
    {Op::kI64GtS, Op::kI64GtSImm},   {Op::kI64GtU, Op::kI64GtUImm},   {Op::kI64LeS, Op::kI64LeSImm},
    {Op::kI64LeU, Op::kI64LeUImm},   {Op::kI64GeS, Op::kI64GeSImm},   {Op::kI64GeU, Op::kI64GeUImm},
    // Float immediates carry the constant's bit pattern; the handler reinterprets it.
    {Op::kF32Add, Op::kF32AddImm},   {Op::kF32Sub, Op::kF32SubImm},   {Op::kF32Mul, Op::kF32MulImm},
    {Op::kF32Div, Op::kF32DivImm},   {Op::kF64Add, Op::kF64AddImm},   {Op::kF64Sub, Op::kF64SubImm},
    {Op::kF64Mul, Op::kF64MulImm},   {Op::kF64Div, Op::kF64DivImm},
};

constexpr OpPair kFusedForms[] = {
    {Op::kI32Eqz, Op::kBrI32Eqz},       {Op::kI32Eq, Op::kBrI32Eq},         {Op::kI32Ne, Op::kBrI32Ne},
    {Op::kI32LtS, Op::kBrI32LtS},       {Op::kI32LtU, Op::kBrI32LtU},       {Op::kI32GtS, Op::kBrI32GtS},
    {Op::kI32GtU, Op::kBrI32GtU},       {Op::kI32LeS, Op::kBrI32LeS},       {Op::kI32LeU, Op::kBrI32LeU},
    {Op::kI32GeS, Op::kBrI32GeS},       {Op::kI32GeU, Op::kBrI32GeU},       {Op::kI32EqImm, Op::kBrI32EqImm},
    {Op::kI32NeImm, Op::kBrI32NeImm},   {Op::kI32LtSImm, Op::kBrI32LtSImm}, {Op::kI32LtUImm, Op::kBrI32LtUImm},
    {Op::kI32GtSImm, Op::kBrI32GtSImm}, {Op::kI32GtUImm, Op::kBrI32GtUImm}, {Op::kI32LeSImm, Op::kBrI32LeSImm},
    {Op::kI32LeUImm, Op::kBrI32LeUImm}, {Op::kI32GeSImm, Op::kBrI32GeSImm}, {Op::kI32GeUImm, Op::kBrI32GeUImm},
};

constexpr OpPair kNegations[] = {
    {Op::kI32Eq, Op::kI32Ne},         {Op::kI32Ne, Op::kI32Eq},         {Op::kI32LtS, Op::kI32GeS},
    {Op::kI32GeS, Op::kI32LtS},       {Op::kI32LtU, Op::kI32GeU},       {Op::kI32GeU, Op::kI32LtU},
    {Op::kI32GtS, Op::kI32LeS},       {Op::kI32LeS, Op::kI32GtS},       {Op::kI32GtU, Op::kI32LeU},
    {Op::kI32LeU, Op::kI32GtU},       {Op::kI32EqImm, Op::kI32NeImm},   {Op::kI32NeImm, Op::kI32EqImm},
    {Op::kI32LtSImm, Op::kI32GeSImm}, {Op::kI32GeSImm, Op::kI32LtSImm}, {Op::kI32LtUImm, Op::kI32GeUImm},
    {Op::kI32GeUImm, Op::kI32LtUImm}, {Op::kI32GtSImm, Op::kI32LeSImm}, {Op::kI32LeSImm, Op::kI32GtSImm},
    {Op::kI32GtUImm, Op::kI32LeUImm}, {Op::kI32LeUImm, Op::kI32GtUImm},
};

template <size_t N>
std::optional<Op> Find(const OpPair (&pairs)[N], Op op) {
  for (const OpPair& p : pairs)
    if (p.from == op) return p.to;
  return std::nullopt;
}

}  // namespace

std::optional<NumericInfo> LookupNumeric(uint8_t opcode) {
  if (opcode < 0x45 || opcode > 0xC4) return std::nullopt;
  return kRows[opcode - 0x45].info;
}

std::optional<NumericInfo> LookupSaturating(uint32_t sub_opcode) {
  if (sub_opcode >= std::size(kSaturating)) return std::nullopt;
  return kSaturating[sub_opcode];
}

std::optional<Op> ImmediateForm(Op op) {
  // Called for every binary op with a constant operand: a dense table, not a scan.
  static const auto kTable = [] {
    std::array<Op, static_cast<size_t>(Op::kCount)> t;
    t.fill(Op::kCount);
    for (const OpPair& p : kImmediateForms) t[static_cast<size_t>(p.from)] = p.to;
    return t;
  }();
  Op to = kTable[static_cast<size_t>(op)];
  if (to == Op::kCount) return std::nullopt;
  return to;
}
std::optional<Op> FusedBranchForm(Op compare) { return Find(kFusedForms, compare); }
std::optional<Op> NegatedCompare(Op compare) { return Find(kNegations, compare); }

}  // namespace capsa::engine
