// Control flow, calls, recursion depth, multi-value, select, locals, globals,
// and the limits (call depth, fuel).
#include <gtest/gtest.h>

#include "tests/engine/interp_test_util.h"

namespace capsa::engine::testing {
namespace {

class ControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_ = Harness::Load("interp_control");
    ASSERT_NE(h_, nullptr);
  }
  uint32_t I32Of(const std::string& fn, std::vector<Value> args = {}) { return h_->Get(fn, args).i32; }
  std::vector<Value> Multi(const std::string& fn, std::vector<Value> args) {
    auto r = h_->Call(fn, args);
    EXPECT_TRUE(std::holds_alternative<std::vector<Value>>(r));
    return std::holds_alternative<std::vector<Value>>(r) ? std::get<std::vector<Value>>(r) : std::vector<Value>{};
  }
  std::unique_ptr<Harness> h_;
};

TEST_F(ControlTest, Loops) {
  EXPECT_EQ(I32Of("sum", {I32(0)}), 0u);
  EXPECT_EQ(I32Of("sum", {I32(100)}), 5050u);
  EXPECT_EQ(I32Of("count_up", {I32(1000)}), 1000u);
  EXPECT_EQ(I32Of("count_up", {I32(0)}), 1u);
  EXPECT_EQ(I32Of("multi_loop", {I32(4)}), 10u);
  EXPECT_EQ(I32Of("multi_loop", {I32(100)}), 5050u);
}

TEST_F(ControlTest, Recursion) {
  EXPECT_EQ(h_->Get("fac", {I64(20)}).i64, 2432902008176640000ull);
  EXPECT_EQ(I32Of("fib", {I32(20)}), 6765u);
  EXPECT_EQ(h_->Get("ack", {I64(2), I64(3)}).i64, 9u);
  EXPECT_EQ(h_->Get("ack", {I64(3), I64(3)}).i64, 61u);
}

TEST_F(ControlTest, DeepRecursionDoesNotUseTheNativeStack) {
  EXPECT_EQ(I32Of("depth", {I32(40000)}), 40000u);
  // Ackermann(2, 2000) recurses about 4,000 frames deep, 8 million calls.
  EXPECT_EQ(h_->Get("ack", {I64(2), I64(2000)}).i64, 4003u);
}

TEST_F(ControlTest, RunawayRecursionTrapsCleanly) {
  Trap t = h_->GetTrap("forever", {I32(1)});
  EXPECT_EQ(t.kind, TrapKind::kCallStackExhausted);
  EXPECT_EQ(t.message, "call stack exhausted");
  ASSERT_FALSE(t.backtrace.empty());
  EXPECT_EQ(t.backtrace.front(), h_->instance().FindExportedFunction("forever")->name);
  // The state is usable again afterwards.
  EXPECT_EQ(I32Of("depth", {I32(1000)}), 1000u);
}

TEST_F(ControlTest, CallDepthLimitIsConfigurable) {
  InstanceOptions options;
  options.exec.max_call_depth = 100;
  auto small = Harness::Load("interp_control", Linker(), options);
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(small->Get("depth", {I32(98)}).i32, 98u);
  EXPECT_EQ(small->GetTrap("depth", {I32(100)}).kind, TrapKind::kCallStackExhausted);
}

TEST_F(ControlTest, ValueStackLimitTraps) {
  InstanceOptions options;
  options.exec.max_value_stack_bytes = 64 * 1024;
  auto small = Harness::Load("interp_control", Linker(), options);
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(small->Get("depth", {I32(100)}).i32, 100u);
  EXPECT_EQ(small->GetTrap("depth", {I32(20000)}).kind, TrapKind::kCallStackExhausted);
}

TEST_F(ControlTest, FuelRunsOut) {
  InstanceOptions options;
  options.exec.fuel = 10000;
  auto fueled = Harness::Load("interp_control", Linker(), options);
  ASSERT_NE(fueled, nullptr);
  EXPECT_EQ(fueled->Get("sum", {I32(100)}).i32, 5050u);
  // The budget is shared by all calls on the instance: 1 per call, 1 per loop iteration.
  ASSERT_TRUE(fueled->instance().exec.fuel.has_value());
  EXPECT_EQ(*fueled->instance().exec.fuel, 10000u - 1 - 101);
  Trap t = fueled->GetTrap("spin");
  EXPECT_EQ(t.kind, TrapKind::kOutOfFuel);
  EXPECT_EQ(t.message, "all fuel consumed");
  EXPECT_EQ(fueled->GetTrap("fib", {I32(30)}).kind, TrapKind::kOutOfFuel);
}

TEST_F(ControlTest, BrTable) {
  EXPECT_EQ(I32Of("br_table", {I32(0)}), 100u);
  EXPECT_EQ(I32Of("br_table", {I32(1)}), 101u);
  EXPECT_EQ(I32Of("br_table", {I32(2)}), 102u);
  EXPECT_EQ(I32Of("br_table", {I32(3)}), 103u);
  EXPECT_EQ(I32Of("br_table", {I32(4)}), 103u);
  EXPECT_EQ(I32Of("br_table", {I32(0xFFFFFFFF)}), 103u);
  EXPECT_EQ(I32Of("br_table_value", {I32(0)}), 1017u);
  EXPECT_EQ(I32Of("br_table_value", {I32(1)}), 1007u);
  EXPECT_EQ(I32Of("br_table_value", {I32(2)}), 1017u);
  EXPECT_EQ(I32Of("br_table_value", {I32(9)}), 1017u);
}

TEST_F(ControlTest, BrIfCarriesValues) {
  EXPECT_EQ(I32Of("br_if_value", {I32(0)}), 9u);
  EXPECT_EQ(I32Of("br_if_value", {I32(1)}), 7u);
}

TEST_F(ControlTest, MultiValue) {
  auto swapped = Multi("swap", {I32(1), I32(2)});
  ASSERT_EQ(swapped.size(), 2u);
  EXPECT_EQ(swapped[0].i32, 2u);
  EXPECT_EQ(swapped[1].i32, 1u);
  EXPECT_EQ(I32Of("multi_block", {I32(10), I32(3)}), 7u);
  EXPECT_EQ(I32Of("multi_block_params", {I32(10), I32(3)}), 12u);
  EXPECT_EQ(I32Of("multi_call", {I32(10), I32(3)}), static_cast<uint32_t>(-7));
  auto taken = Multi("multi_br", {I32(1)});
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].i32, 1u);
  EXPECT_EQ(taken[1].i32, 2u);
  auto fall = Multi("multi_br", {I32(0)});
  ASSERT_EQ(fall.size(), 2u);
  EXPECT_EQ(fall[0].i32, 3u);
  EXPECT_EQ(fall[1].i32, 4u);
  auto ret = Multi("return_swap", {I32(5), I32(6)});
  ASSERT_EQ(ret.size(), 2u);
  EXPECT_EQ(ret[0].i32, 6u);
  EXPECT_EQ(ret[1].i32, 5u);
}

TEST_F(ControlTest, IfElse) {
  EXPECT_EQ(I32Of("if_no_else", {I32(0)}), 5u);
  EXPECT_EQ(I32Of("if_no_else", {I32(1)}), 6u);
  EXPECT_EQ(I32Of("if_param", {I32(1), I32(7)}), 14u);
  EXPECT_EQ(I32Of("if_param", {I32(0), I32(7)}), 21u);
}

TEST_F(ControlTest, NopChangesNothing) {
  EXPECT_EQ(I32Of("nops", {I32(20)}), 42u);
  EXPECT_EQ(I32Of("nops", {I32(0xFFFFFFFF)}), 0u);
}

TEST_F(ControlTest, Select) {
  EXPECT_EQ(h_->Get("select", {I32(1), I64(10), I64(20)}).i64, 10u);
  EXPECT_EQ(h_->Get("select", {I32(0), I64(10), I64(20)}).i64, 20u);
  EXPECT_EQ(h_->Get("select_f32", {I32(0), F32(1.5f), F32(2.5f)}).f32, 2.5f);
  EXPECT_EQ(I32Of("select_ref", {I32(1)}), 1u);
  EXPECT_EQ(I32Of("select_ref", {I32(0)}), 0u);
}

TEST_F(ControlTest, DeferredLocalsSeeOldValues) {
  EXPECT_EQ(I32Of("deferred_local", {I32(1)}), static_cast<uint32_t>(-99));
  EXPECT_EQ(I32Of("tee", {I32(5)}), 30u);
  EXPECT_EQ(I32Of("deferred_across_block", {I32(5)}), 6u);
}

TEST_F(ControlTest, Globals) {
  EXPECT_EQ(I32Of("globals", {I32(5)}), 57u);
  EXPECT_EQ(I32Of("globals", {I32(1)}), 58u);
  EXPECT_EQ(static_cast<int64_t>(h_->Get("get_g64").i64), -20);
  EXPECT_EQ(h_->Get("get_gf").f64, 6.0);
}

TEST_F(ControlTest, UnreachableTrapsWithBacktrace) {
  Trap t = h_->GetTrap("unreachable");
  EXPECT_EQ(t.kind, TrapKind::kUnreachable);
  EXPECT_EQ(t.message, "unreachable");
  ASSERT_EQ(t.backtrace.size(), 1u);
  EXPECT_EQ(h_->GetTrap("nested_unreachable", {I32(1)}).kind, TrapKind::kUnreachable);
  EXPECT_EQ(I32Of("nested_unreachable", {I32(0)}), 1u);
  EXPECT_EQ(I32Of("dead_code"), 5u);
}

}  // namespace
}  // namespace capsa::engine::testing
