// Every numeric instruction against expected values, including the edge
// cases the spec singles out (overflow, NaN, ±0, rounding, traps).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "tests/engine/interp_test_util.h"

namespace capsa::engine::testing {
namespace {

Value I(int64_t v) { return I64(static_cast<uint64_t>(v)); }
Value W(int32_t v) { return I32(static_cast<uint32_t>(v)); }
Value F(float v) { return F32(v); }
Value D(double v) { return F64(v); }

constexpr float kInfF = std::numeric_limits<float>::infinity();
constexpr double kInf = std::numeric_limits<double>::infinity();
const float kNanF = std::numeric_limits<float>::quiet_NaN();
const double kNan = std::numeric_limits<double>::quiet_NaN();

// What a case expects: exact bits (of the result's width) or any NaN.
struct Expect {
  enum Kind { kBits, kAnyNaN, kTrap } kind;
  uint64_t bits = 0;
  TrapKind trap = TrapKind::kUnreachable;
};
Expect Bits(uint64_t b) { return {Expect::kBits, b}; }
Expect EI(int64_t v) { return Bits(static_cast<uint64_t>(v)); }
Expect EW(int32_t v) { return Bits(static_cast<uint32_t>(v)); }
Expect EF(float v) { return Bits(std::bit_cast<uint32_t>(v)); }
Expect ED(double v) { return Bits(std::bit_cast<uint64_t>(v)); }
Expect NaN() { return {Expect::kAnyNaN}; }
Expect Traps(TrapKind k) { return {Expect::kTrap, 0, k}; }

struct Case {
  const char* fn;
  std::vector<Value> args;
  Expect expect;
};

class NumericTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { h_ = Harness::Load("interp_numeric").release(); }
  static void TearDownTestSuite() { delete h_; }

  void Check(const std::vector<Case>& cases) {
    ASSERT_NE(h_, nullptr);
    for (const Case& c : cases) {
      SCOPED_TRACE(c.fn);
      FunctionInstance* f = h_->instance().FindExportedFunction(c.fn);
      ASSERT_NE(f, nullptr) << c.fn;
      const bool narrow = f->type.results[0] == ValType::kI32 || f->type.results[0] == ValType::kF32;
      auto r = Invoke(*f, c.args);
      if (c.expect.kind == Expect::kTrap) {
        ASSERT_TRUE(std::holds_alternative<Trap>(r)) << c.fn << " did not trap";
        EXPECT_EQ(std::get<Trap>(r).kind, c.expect.trap) << c.fn;
        EXPECT_EQ(std::get<Trap>(r).message, TrapKindMessage(c.expect.trap));
        continue;
      }
      ASSERT_TRUE(std::holds_alternative<std::vector<Value>>(r))
          << c.fn << " trapped: " << std::get<Trap>(r).message;
      uint64_t got = std::get<std::vector<Value>>(r).at(0).bits;
      if (narrow) got &= 0xFFFFFFFFu;
      if (c.expect.kind == Expect::kAnyNaN) {
        bool nan = narrow ? std::isnan(std::bit_cast<float>(static_cast<uint32_t>(got)))
                          : std::isnan(std::bit_cast<double>(got));
        EXPECT_TRUE(nan) << c.fn << " = 0x" << std::hex << got;
      } else {
        EXPECT_EQ(got, c.expect.bits) << c.fn << " = 0x" << std::hex << got;
      }
    }
  }
  static Harness* h_;
};
Harness* NumericTest::h_ = nullptr;

TEST_F(NumericTest, I32Arithmetic) {
  Check({
      {"i32.add", {W(1), W(2)}, EW(3)},
      {"i32.add", {W(0x7FFFFFFF), W(1)}, EW(INT32_MIN)},
      {"i32.sub", {W(0), W(1)}, EW(-1)},
      {"i32.mul", {W(0x10000), W(0x10000)}, EW(0)},
      {"i32.mul", {W(-3), W(7)}, EW(-21)},
      {"i32.div_s", {W(7), W(-2)}, EW(-3)},
      {"i32.div_s", {W(-7), W(2)}, EW(-3)},
      {"i32.div_s", {W(INT32_MIN), W(-1)}, Traps(TrapKind::kIntegerOverflow)},
      {"i32.div_s", {W(1), W(0)}, Traps(TrapKind::kIntegerDivideByZero)},
      {"i32.div_u", {W(-1), W(2)}, EW(0x7FFFFFFF)},
      {"i32.div_u", {W(1), W(0)}, Traps(TrapKind::kIntegerDivideByZero)},
      {"i32.rem_s", {W(-7), W(2)}, EW(-1)},
      {"i32.rem_s", {W(7), W(-2)}, EW(1)},
      {"i32.rem_s", {W(INT32_MIN), W(-1)}, EW(0)},
      {"i32.rem_s", {W(1), W(0)}, Traps(TrapKind::kIntegerDivideByZero)},
      {"i32.rem_u", {W(-1), W(10)}, EW(5)},
      {"i32.rem_u", {W(1), W(0)}, Traps(TrapKind::kIntegerDivideByZero)},
      {"i32.and", {W(0xF0F0), W(0xFF00)}, EW(0xF000)},
      {"i32.or", {W(0xF0F0), W(0xFF00)}, EW(0xFFF0)},
      {"i32.xor", {W(0xF0F0), W(0xFF00)}, EW(0x0FF0)},
      {"i32.shl", {W(1), W(31)}, EW(INT32_MIN)},
      {"i32.shl", {W(1), W(32)}, EW(1)},
      {"i32.shl", {W(1), W(33)}, EW(2)},
      {"i32.shr_s", {W(INT32_MIN), W(31)}, EW(-1)},
      {"i32.shr_s", {W(-8), W(33)}, EW(-4)},
      {"i32.shr_u", {W(INT32_MIN), W(31)}, EW(1)},
      {"i32.shr_u", {W(-1), W(32)}, EW(-1)},
      {"i32.rotl", {W(0x80000001), W(1)}, EW(3)},
      {"i32.rotl", {W(0x12345678), W(36)}, EW(0x23456781)},
      {"i32.rotr", {W(3), W(1)}, EW(0x80000001)},
      {"i32.rotr", {W(0x12345678), W(-4)}, EW(0x23456781)},
      {"i32.clz", {W(0)}, EW(32)},
      {"i32.clz", {W(1)}, EW(31)},
      {"i32.clz", {W(INT32_MIN)}, EW(0)},
      {"i32.ctz", {W(0)}, EW(32)},
      {"i32.ctz", {W(0x100)}, EW(8)},
      {"i32.popcnt", {W(-1)}, EW(32)},
      {"i32.popcnt", {W(0x5555)}, EW(8)},
      {"i32.eqz", {W(0)}, EW(1)},
      {"i32.eqz", {W(5)}, EW(0)},
      {"i32.extend8_s", {W(0x80)}, EW(-128)},
      {"i32.extend8_s", {W(0x17F)}, EW(0x7F)},
      {"i32.extend16_s", {W(0x8000)}, EW(-32768)},
      {"i32.extend16_s", {W(0x12347FFF)}, EW(0x7FFF)},
  });
}

TEST_F(NumericTest, I32Comparisons) {
  Check({
      {"i32.eq", {W(5), W(5)}, EW(1)},     {"i32.ne", {W(5), W(5)}, EW(0)},
      {"i32.lt_s", {W(-1), W(0)}, EW(1)},  {"i32.lt_u", {W(-1), W(0)}, EW(0)},
      {"i32.gt_s", {W(-1), W(0)}, EW(0)},  {"i32.gt_u", {W(-1), W(0)}, EW(1)},
      {"i32.le_s", {W(3), W(3)}, EW(1)},   {"i32.le_u", {W(4), W(3)}, EW(0)},
      {"i32.ge_s", {W(-5), W(-4)}, EW(0)}, {"i32.ge_u", {W(-5), W(-4)}, EW(0)},
      {"i32.ge_u", {W(-4), W(-4)}, EW(1)},
  });
}

TEST_F(NumericTest, I64Arithmetic) {
  Check({
      {"i64.add", {I(INT64_MAX), I(1)}, EI(INT64_MIN)},
      {"i64.sub", {I(0), I(1)}, EI(-1)},
      {"i64.mul", {I(0x100000000), I(0x100000000)}, EI(0)},
      {"i64.mul", {I(-3), I(1LL << 40)}, EI(-3LL << 40)},
      {"i64.div_s", {I(INT64_MIN), I(-1)}, Traps(TrapKind::kIntegerOverflow)},
      {"i64.div_s", {I(-7), I(2)}, EI(-3)},
      {"i64.div_s", {I(1), I(0)}, Traps(TrapKind::kIntegerDivideByZero)},
      {"i64.div_u", {I(-1), I(2)}, EI(INT64_MAX)},
      {"i64.div_u", {I(1), I(0)}, Traps(TrapKind::kIntegerDivideByZero)},
      {"i64.rem_s", {I(INT64_MIN), I(-1)}, EI(0)},
      {"i64.rem_s", {I(-7), I(2)}, EI(-1)},
      {"i64.rem_s", {I(1), I(0)}, Traps(TrapKind::kIntegerDivideByZero)},
      {"i64.rem_u", {I(-1), I(10)}, EI(5)},
      {"i64.rem_u", {I(1), I(0)}, Traps(TrapKind::kIntegerDivideByZero)},
      {"i64.and", {I(0xF0F0), I(0xFF00)}, EI(0xF000)},
      {"i64.or", {I(0xF0F0), I(0xFF00)}, EI(0xFFF0)},
      {"i64.xor", {I(-1), I(1)}, EI(-2)},
      {"i64.shl", {I(1), I(63)}, EI(INT64_MIN)},
      {"i64.shl", {I(1), I(64)}, EI(1)},
      {"i64.shr_s", {I(INT64_MIN), I(63)}, EI(-1)},
      {"i64.shr_u", {I(INT64_MIN), I(127)}, EI(1)},
      {"i64.rotl", {I(INT64_MIN | 1), I(1)}, EI(3)},
      {"i64.rotr", {I(3), I(65)}, EI(INT64_MIN | 1)},
      {"i64.clz", {I(0)}, EI(64)},
      {"i64.clz", {I(1)}, EI(63)},
      {"i64.ctz", {I(0)}, EI(64)},
      {"i64.ctz", {I(1LL << 40)}, EI(40)},
      {"i64.popcnt", {I(-1)}, EI(64)},
      {"i64.eqz", {I(0)}, EW(1)},
      {"i64.eqz", {I(1LL << 32)}, EW(0)},
      {"i64.extend8_s", {I(0x80)}, EI(-128)},
      {"i64.extend16_s", {I(0x8000)}, EI(-32768)},
      {"i64.extend32_s", {I(0x80000000)}, EI(INT32_MIN)},
      {"i64.extend32_s", {I(0x123456789)}, EI(0x23456789)},
      {"i64.eq", {I(1LL << 32), I(0)}, EW(0)},
      {"i64.ne", {I(1LL << 32), I(0)}, EW(1)},
      {"i64.lt_s", {I(-1), I(0)}, EW(1)},
      {"i64.lt_u", {I(-1), I(0)}, EW(0)},
      {"i64.gt_s", {I(0), I(-1)}, EW(1)},
      {"i64.gt_u", {I(0), I(-1)}, EW(0)},
      {"i64.le_s", {I(-1), I(-1)}, EW(1)},
      {"i64.le_u", {I(1), I(0)}, EW(0)},
      {"i64.ge_s", {I(INT64_MIN), I(0)}, EW(0)},
      {"i64.ge_u", {I(INT64_MIN), I(0)}, EW(1)},
  });
}

// "<op>/k" passes the second operand as a constant (immediate forms), and
// "<op>/local" stores the result through a local (retargeted destination).
TEST_F(NumericTest, ImmediateAndLocalForms) {
  Check({
      {"i32.add/7", {W(5)}, EW(12)},          {"i32.add/-1", {W(0)}, EW(-1)},
      {"i32.sub/7", {W(5)}, EW(-2)},          {"i32.mul/-1", {W(5)}, EW(-5)},
      {"i32.and/7", {W(0xFF)}, EW(7)},        {"i32.or/7", {W(8)}, EW(15)},
      {"i32.xor/-1", {W(0)}, EW(-1)},         {"i32.shl/7", {W(1)}, EW(128)},
      {"i32.shr_s/-1", {W(INT32_MIN)}, EW(-1)}, {"i32.shr_u/-1", {W(INT32_MIN)}, EW(1)},
      {"i32.eq/7", {W(7)}, EW(1)},            {"i32.ne/7", {W(7)}, EW(0)},
      {"i32.lt_s/-1", {W(-2)}, EW(1)},        {"i32.lt_u/-1", {W(-2)}, EW(1)},
      {"i32.gt_s/7", {W(8)}, EW(1)},          {"i32.gt_u/-1", {W(0)}, EW(0)},
      {"i32.le_s/7", {W(7)}, EW(1)},          {"i32.le_u/7", {W(-1)}, EW(0)},
      {"i32.ge_s/-1", {W(-1)}, EW(1)},        {"i32.ge_u/7", {W(6)}, EW(0)},
      {"i32.div_s/-1", {W(INT32_MIN)}, Traps(TrapKind::kIntegerOverflow)},
      {"i32.rem_s/-1", {W(INT32_MIN)}, EW(0)}, {"i32.div_u/7", {W(50)}, EW(7)},
      {"i32.rotl/7", {W(1)}, EW(128)},        {"i32.rotr/-1", {W(1)}, EW(2)},
      {"i64.add/-1", {I(0)}, EI(-1)},         {"i64.add/7", {I(1LL << 40)}, EI((1LL << 40) + 7)},
      {"i64.sub/-1", {I(0)}, EI(1)},          {"i64.and/-1", {I(-5)}, EI(-5)},
      {"i64.or/7", {I(8)}, EI(15)},           {"i64.xor/7", {I(7)}, EI(0)},
      {"i64.shl/7", {I(1)}, EI(128)},         {"i64.shr_s/-1", {I(INT64_MIN)}, EI(-1)},
      {"i64.shr_u/-1", {I(INT64_MIN)}, EI(1)}, {"i64.lt_u/-1", {I(5)}, EW(1)},
      {"i64.div_s/-1", {I(INT64_MIN)}, Traps(TrapKind::kIntegerOverflow)},
      {"i32.add/local", {W(2), W(3)}, EW(5)}, {"i64.mul/local", {I(-2), I(3)}, EI(-6)},
      {"i32.lt_s/local", {W(-2), W(3)}, EW(1)}, {"f64.div/local", {D(1), D(4)}, ED(0.25)},
      {"f32.min/local", {F(-0.0f), F(0.0f)}, EF(-0.0f)},
  });
}

TEST_F(NumericTest, FloatArithmetic) {
  Check({
      {"f32.add", {F(1.5f), F(2.25f)}, EF(3.75f)},
      {"f32.add", {F(kInfF), F(-kInfF)}, NaN()},
      {"f32.sub", {F(1.0f), F(3.0f)}, EF(-2.0f)},
      {"f32.mul", {F(-0.0f), F(5.0f)}, EF(-0.0f)},
      {"f32.div", {F(1.0f), F(0.0f)}, EF(kInfF)},
      {"f32.div", {F(0.0f), F(0.0f)}, NaN()},
      {"f32.sqrt", {F(4.0f)}, EF(2.0f)},
      {"f32.sqrt", {F(-1.0f)}, NaN()},
      {"f32.sqrt", {F(-0.0f)}, EF(-0.0f)},
      {"f64.add", {D(0.1), D(0.2)}, ED(0.1 + 0.2)},
      {"f64.sub", {D(kInf), D(kInf)}, NaN()},
      {"f64.mul", {D(1e308), D(10)}, ED(kInf)},
      {"f64.div", {D(-1), D(0.0)}, ED(-kInf)},
      {"f64.sqrt", {D(2)}, ED(std::sqrt(2.0))},
  });
}

TEST_F(NumericTest, FloatMinMaxAndZeros) {
  Check({
      {"f32.min", {F(-0.0f), F(0.0f)}, EF(-0.0f)},
      {"f32.min", {F(0.0f), F(-0.0f)}, EF(-0.0f)},
      {"f32.max", {F(-0.0f), F(0.0f)}, EF(0.0f)},
      {"f32.max", {F(0.0f), F(-0.0f)}, EF(0.0f)},
      {"f32.min", {F(kNanF), F(1.0f)}, NaN()},
      {"f32.max", {F(1.0f), F(kNanF)}, NaN()},
      {"f32.min", {F(-kInfF), F(1.0f)}, EF(-kInfF)},
      {"f32.max", {F(2.0f), F(1.0f)}, EF(2.0f)},
      {"f64.min", {D(-0.0), D(0.0)}, ED(-0.0)},
      {"f64.max", {D(-0.0), D(0.0)}, ED(0.0)},
      {"f64.min", {D(kNan), D(0.0)}, NaN()},
      {"f64.max", {D(0.0), D(kNan)}, NaN()},
      {"f64.max", {D(-3), D(-2)}, ED(-2)},
  });
}

TEST_F(NumericTest, FloatRounding) {
  Check({
      {"f32.nearest", {F(0.5f)}, EF(0.0f)},
      {"f32.nearest", {F(1.5f)}, EF(2.0f)},
      {"f32.nearest", {F(2.5f)}, EF(2.0f)},
      {"f32.nearest", {F(-0.5f)}, EF(-0.0f)},
      {"f32.nearest", {F(-2.5f)}, EF(-2.0f)},
      {"f32.ceil", {F(-0.5f)}, EF(-0.0f)},
      {"f32.ceil", {F(1.1f)}, EF(2.0f)},
      {"f32.floor", {F(-0.5f)}, EF(-1.0f)},
      {"f32.floor", {F(0.5f)}, EF(0.0f)},
      {"f32.trunc", {F(-1.7f)}, EF(-1.0f)},
      {"f32.trunc", {F(-0.7f)}, EF(-0.0f)},
      {"f64.nearest", {D(4.5)}, ED(4.0)},
      {"f64.nearest", {D(5.5)}, ED(6.0)},
      {"f64.nearest", {D(-0.4)}, ED(-0.0)},
      {"f64.nearest", {D(4503599627370497.0)}, ED(4503599627370497.0)},
      {"f64.ceil", {D(-0.9)}, ED(-0.0)},
      {"f64.floor", {D(-0.1)}, ED(-1.0)},
      {"f64.trunc", {D(2.9)}, ED(2.0)},
      {"f64.nearest", {D(kNan)}, NaN()},
  });
}

// abs, neg and copysign only touch the sign bit, NaN payloads included.
TEST_F(NumericTest, SignBitOperationsKeepNaNPayload) {
  Check({
      {"f32.abs", {F32Bits(0xFFC01234)}, Bits(0x7FC01234)},
      {"f32.neg", {F32Bits(0x7FA00001)}, Bits(0xFFA00001)},
      {"f32.copysign", {F32Bits(0x7FA00001), F(-1.0f)}, Bits(0xFFA00001)},
      {"f32.copysign", {F(2.0f), F32Bits(0xFFC00000)}, EF(-2.0f)},
      {"f32.neg", {F(0.0f)}, EF(-0.0f)},
      {"f64.abs", {I(static_cast<int64_t>(0xFFF8000000000123))}, Bits(0x7FF8000000000123)},
      {"f64.neg", {I(0x7FF4000000000001)}, Bits(0xFFF4000000000001)},
      {"f64.copysign", {D(3.0), D(-0.0)}, ED(-3.0)},
      {"f64.copysign", {D(-3.0), D(0.0)}, ED(3.0)},
  });
}

TEST_F(NumericTest, FloatComparisons) {
  Check({
      {"f32.eq", {F(kNanF), F(kNanF)}, EW(0)}, {"f32.ne", {F(kNanF), F(kNanF)}, EW(1)},
      {"f32.eq", {F(-0.0f), F(0.0f)}, EW(1)},  {"f32.lt", {F(1), F(2)}, EW(1)},
      {"f32.gt", {F(kNanF), F(2)}, EW(0)},     {"f32.le", {F(2), F(2)}, EW(1)},
      {"f32.ge", {F(1), F(kNanF)}, EW(0)},     {"f64.eq", {D(1), D(1)}, EW(1)},
      {"f64.ne", {D(1), D(kNan)}, EW(1)},      {"f64.lt", {D(-kInf), D(0)}, EW(1)},
      {"f64.gt", {D(2), D(1)}, EW(1)},         {"f64.le", {D(kNan), D(1)}, EW(0)},
      {"f64.ge", {D(-0.0), D(0.0)}, EW(1)},
  });
}

TEST_F(NumericTest, Conversions) {
  Check({
      {"i32.wrap_i64", {I(0x123456789)}, EW(0x23456789)},
      {"i64.extend_i32_s", {W(-1)}, EI(-1)},
      {"i64.extend_i32_u", {W(-1)}, EI(0xFFFFFFFF)},
      {"f32.convert_i32_s", {W(-1)}, EF(-1.0f)},
      {"f32.convert_i32_u", {W(-1)}, EF(4294967296.0f)},
      {"f32.convert_i64_s", {I(INT64_MIN)}, EF(-9223372036854775808.0f)},
      {"f32.convert_i64_u", {I(-1)}, EF(18446744073709551616.0f)},
      // Round to nearest even past 2^24 (and the double-rounding trap case).
      {"f32.convert_i32_s", {W(16777217)}, EF(16777216.0f)},
      {"f32.convert_i64_u", {I(0x0020000020000001)}, EF(9007200328482816.0f)},
      {"f64.convert_i32_s", {W(INT32_MIN)}, ED(-2147483648.0)},
      {"f64.convert_i32_u", {W(-1)}, ED(4294967295.0)},
      {"f64.convert_i64_s", {I(-1)}, ED(-1.0)},
      {"f64.convert_i64_u", {I(-1)}, ED(18446744073709551616.0)},
      {"f32.demote_f64", {D(1e300)}, EF(kInfF)},
      {"f32.demote_f64", {D(0.1)}, EF(0.1f)},
      {"f32.demote_f64", {D(kNan)}, NaN()},
      {"f64.promote_f32", {F(0.1f)}, ED(static_cast<double>(0.1f))},
      {"f64.promote_f32", {F(kNanF)}, NaN()},
      {"i32.reinterpret_f32", {F(-0.0f)}, EW(INT32_MIN)},
      {"f32.reinterpret_i32", {W(0x7FA00001)}, Bits(0x7FA00001)},
      {"i64.reinterpret_f64", {D(1.0)}, Bits(0x3FF0000000000000)},
      {"f64.reinterpret_i64", {I(0x7FF4000000000001)}, Bits(0x7FF4000000000001)},
  });
}

TEST_F(NumericTest, TruncationTraps) {
  const TrapKind kOv = TrapKind::kIntegerOverflow, kCv = TrapKind::kInvalidConversion;
  Check({
      {"i32.trunc_f32_s", {F(-1.9f)}, EW(-1)},
      {"i32.trunc_f32_s", {F(-2147483648.0f)}, EW(INT32_MIN)},
      {"i32.trunc_f32_s", {F(2147483648.0f)}, Traps(kOv)},
      {"i32.trunc_f32_s", {F(-2147483904.0f)}, Traps(kOv)},
      {"i32.trunc_f32_s", {F(kNanF)}, Traps(kCv)},
      {"i32.trunc_f32_u", {F(-0.9f)}, EW(0)},
      {"i32.trunc_f32_u", {F(4294967040.0f)}, EW(-256)},
      {"i32.trunc_f32_u", {F(4294967296.0f)}, Traps(kOv)},
      {"i32.trunc_f32_u", {F(-1.0f)}, Traps(kOv)},
      {"i32.trunc_f64_s", {D(-2147483648.9)}, EW(INT32_MIN)},
      {"i32.trunc_f64_s", {D(-2147483649.0)}, Traps(kOv)},
      {"i32.trunc_f64_s", {D(2147483647.9)}, EW(INT32_MAX)},
      {"i32.trunc_f64_s", {D(2147483648.0)}, Traps(kOv)},
      {"i32.trunc_f64_u", {D(4294967295.9)}, EW(-1)},
      {"i32.trunc_f64_u", {D(4294967296.0)}, Traps(kOv)},
      {"i32.trunc_f64_u", {D(-0.99)}, EW(0)},
      {"i32.trunc_f64_u", {D(kNan)}, Traps(kCv)},
      {"i64.trunc_f32_s", {F(-9223372036854775808.0f)}, EI(INT64_MIN)},
      {"i64.trunc_f32_s", {F(9223372036854775808.0f)}, Traps(kOv)},
      {"i64.trunc_f32_u", {F(18446742974197923840.0f)}, EI(static_cast<int64_t>(0xFFFFFF0000000000))},
      {"i64.trunc_f32_u", {F(18446744073709551616.0f)}, Traps(kOv)},
      {"i64.trunc_f32_u", {F(kNanF)}, Traps(kCv)},
      {"i64.trunc_f64_s", {D(-9223372036854775808.0)}, EI(INT64_MIN)},
      {"i64.trunc_f64_s", {D(9223372036854775808.0)}, Traps(kOv)},
      {"i64.trunc_f64_s", {D(-kInf)}, Traps(kOv)},
      {"i64.trunc_f64_u", {D(18446744073709549568.0)}, EI(static_cast<int64_t>(0xFFFFFFFFFFFFF800))},
      {"i64.trunc_f64_u", {D(18446744073709551616.0)}, Traps(kOv)},
      {"i64.trunc_f64_u", {D(-1.0)}, Traps(kOv)},
      {"i64.trunc_f64_s", {D(kNan)}, Traps(kCv)},
  });
}

TEST_F(NumericTest, SaturatingTruncation) {
  Check({
      {"i32.trunc_sat_f32_s", {F(kNanF)}, EW(0)},
      {"i32.trunc_sat_f32_s", {F(3e9f)}, EW(INT32_MAX)},
      {"i32.trunc_sat_f32_s", {F(-3e9f)}, EW(INT32_MIN)},
      {"i32.trunc_sat_f32_s", {F(-7.9f)}, EW(-7)},
      {"i32.trunc_sat_f32_u", {F(-5.0f)}, EW(0)},
      {"i32.trunc_sat_f32_u", {F(kInfF)}, EW(-1)},
      {"i32.trunc_sat_f64_s", {D(-kInf)}, EW(INT32_MIN)},
      {"i32.trunc_sat_f64_s", {D(1e10)}, EW(INT32_MAX)},
      {"i32.trunc_sat_f64_u", {D(1e10)}, EW(-1)},
      {"i32.trunc_sat_f64_u", {D(kNan)}, EW(0)},
      {"i64.trunc_sat_f32_s", {F(1e19f)}, EI(INT64_MAX)},
      {"i64.trunc_sat_f32_s", {F(-1e19f)}, EI(INT64_MIN)},
      {"i64.trunc_sat_f32_u", {F(1e20f)}, EI(-1)},
      {"i64.trunc_sat_f32_u", {F(-1.0f)}, EI(0)},
      {"i64.trunc_sat_f64_s", {D(kNan)}, EI(0)},
      {"i64.trunc_sat_f64_s", {D(-12.5)}, EI(-12)},
      {"i64.trunc_sat_f64_u", {D(kInf)}, EI(-1)},
      {"i64.trunc_sat_f64_u", {D(123.9)}, EI(123)},
  });
}

}  // namespace
}  // namespace capsa::engine::testing
