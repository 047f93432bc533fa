// Calls that leave the interpreter loop: host functions (results, traps such
// as proc_exit, reentry into wasm) and wasm functions of another instance.
#include <gtest/gtest.h>

#include "tests/engine/interp_test_util.h"

namespace capsa::engine::testing {
namespace {

const FuncType kI32I32ToI32{{ValType::kI32, ValType::kI32}, {ValType::kI32}};
const FuncType kI32ToVoid{{ValType::kI32}, {}};
const FuncType kI32ToI32{{ValType::kI32}, {ValType::kI32}};

class CallsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    other_ = Harness::Load("interp_other");
    ASSERT_NE(other_, nullptr);
    linker_.DefineInstance("other", other_->instance());
    linker_.DefineHostFunction("host", "add", kI32I32ToI32,
                               [this](CallContext& ctx, std::span<const Value> args, std::span<Value> results) {
                                 last_caller_ = ctx.caller;
                                 last_memory_ = ctx.memory;
                                 results[0] = I32(args[0].i32 + args[1].i32);
                                 return std::optional<Trap>();
                               });
    linker_.DefineHostFunction("host", "exit", kI32ToVoid,
                               [](CallContext&, std::span<const Value> args, std::span<Value>) {
                                 Trap t;
                                 t.kind = TrapKind::kExit;
                                 t.exit_code = args[0].i32;
                                 return std::optional<Trap>(t);
                               });
    linker_.DefineHostFunction("host", "reenter", kI32ToI32,
                               [](CallContext& ctx, std::span<const Value> args, std::span<Value> results) {
                                 FunctionInstance* sq = ctx.caller->FindExportedFunction("square");
                                 auto r = Invoke(*sq, args);
                                 if (auto* t = std::get_if<Trap>(&r)) return std::optional<Trap>(*t);
                                 results[0] = std::get<std::vector<Value>>(r)[0];
                                 return std::optional<Trap>();
                               });
    h_ = Harness::Load("interp_calls", linker_);
    ASSERT_NE(h_, nullptr);
  }

  Linker linker_;
  std::unique_ptr<Harness> other_;
  std::unique_ptr<Harness> h_;
  Instance* last_caller_ = nullptr;
  LinearMemory* last_memory_ = nullptr;
};

TEST_F(CallsTest, HostFunctionGetsCallerAndMemory) {
  EXPECT_EQ(h_->Get("call_host", {I32(2), I32(3)}).i32, 50u);
  EXPECT_EQ(last_caller_, &h_->instance());
  EXPECT_EQ(last_memory_, h_->instance().memories[0].get());
}

TEST_F(CallsTest, HostTrapUnwinds) {
  Trap t = h_->GetTrap("call_exit", {I32(3)});
  EXPECT_EQ(t.kind, TrapKind::kExit);
  EXPECT_EQ(t.exit_code, 3u);
  ASSERT_EQ(t.backtrace.size(), 2u);  // the host function, then its wasm caller
  EXPECT_EQ(t.backtrace[1], h_->instance().FindExportedFunction("call_exit")->name);
  // Nothing is left on the interpreter's stacks: later calls work.
  EXPECT_EQ(h_->Get("call_host", {I32(1), I32(1)}).i32, 20u);
}

TEST_F(CallsTest, HostCanCallBackIntoWasm) {
  EXPECT_EQ(h_->Get("call_reenter", {I32(7)}).i32, 50u);
  EXPECT_EQ(h_->Get("call_reenter", {I32(0)}).i32, 1u);
}

TEST_F(CallsTest, ImportedWasmFunctionRunsInItsOwnInstance) {
  // triple(4) + this instance's memory.size (2) after returning.
  EXPECT_EQ(h_->Get("call_other", {I32(4)}).i32, 14u);
  // The callee sees its own memory (5 pages), the caller its own (2).
  EXPECT_EQ(h_->Get("other_mem").i32, 205u);
}

TEST_F(CallsTest, InvokeHostFunctionDirectly) {
  auto fn = std::make_shared<FunctionInstance>();
  fn->type = kI32ToI32;
  fn->name = "neg";
  fn->host = [](CallContext&, std::span<const Value> args, std::span<Value> results) {
    results[0] = I32(0 - args[0].i32);
    return std::optional<Trap>();
  };
  Value arg = I32(5);
  auto r = Invoke(*fn, std::span<const Value>(&arg, 1));
  ASSERT_TRUE(std::holds_alternative<std::vector<Value>>(r));
  EXPECT_EQ(std::get<std::vector<Value>>(r)[0].i32, static_cast<uint32_t>(-5));
}

}  // namespace
}  // namespace capsa::engine::testing
