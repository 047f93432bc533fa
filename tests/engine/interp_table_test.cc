// Tables: call_indirect (type check, null, out of range), table.get/set/
// size/grow/fill/copy/init, elem.drop, externref tables, ref instructions.
#include <gtest/gtest.h>

#include "tests/engine/interp_test_util.h"

namespace capsa::engine::testing {
namespace {

class TableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_ = Harness::Load("interp_table");
    ASSERT_NE(h_, nullptr);
  }
  uint32_t I32Of(const std::string& fn, std::vector<Value> args = {}) { return h_->Get(fn, args).i32; }
  void Run(const std::string& fn, std::vector<Value> args) {
    auto r = h_->Call(fn, std::move(args));
    ASSERT_TRUE(std::holds_alternative<std::vector<Value>>(r)) << fn << " trapped";
  }
  TrapKind TrapOf(const std::string& fn, std::vector<Value> args) { return h_->GetTrap(fn, std::move(args)).kind; }
  std::unique_ptr<Harness> h_;
};

// Table $t: [inc, dbl, null, null].
TEST_F(TableTest, CallIndirect) {
  EXPECT_EQ(I32Of("call", {I32(0), I32(10)}), 11u);
  EXPECT_EQ(I32Of("call", {I32(1), I32(10)}), 20u);
  Trap null = h_->GetTrap("call", {I32(2), I32(10)});
  EXPECT_EQ(null.kind, TrapKind::kUninitializedElement);
  EXPECT_EQ(null.message, "uninitialized element 2");
  Trap oob = h_->GetTrap("call", {I32(4), I32(10)});
  EXPECT_EQ(oob.kind, TrapKind::kUndefinedElement);
  EXPECT_EQ(oob.message, "undefined element");
  EXPECT_EQ(TrapOf("call", {I32(0xFFFFFFFF), I32(1)}), TrapKind::kUndefinedElement);
  Trap mismatch = h_->GetTrap("call_v", {I32(0)});
  EXPECT_EQ(mismatch.kind, TrapKind::kIndirectCallTypeMismatch);
  EXPECT_EQ(mismatch.message, "indirect call type mismatch");
}

TEST_F(TableTest, GetSetSizeGrow) {
  EXPECT_EQ(I32Of("size"), 4u);
  EXPECT_EQ(I32Of("is_null", {I32(0)}), 0u);
  EXPECT_EQ(I32Of("is_null", {I32(2)}), 1u);
  EXPECT_EQ(TrapOf("is_null", {I32(4)}), TrapKind::kTableOutOfBounds);
  Run("set_seven", {I32(3)});
  EXPECT_EQ(I32Of("is_null", {I32(3)}), 0u);
  EXPECT_EQ(I32Of("call_v", {I32(3)}), 7u);
  EXPECT_EQ(TrapOf("set_seven", {I32(4)}), TrapKind::kTableOutOfBounds);
  EXPECT_EQ(I32Of("grow", {I32(2)}), 4u);
  EXPECT_EQ(I32Of("size"), 6u);
  EXPECT_EQ(I32Of("is_null", {I32(5)}), 1u);
  EXPECT_EQ(I32Of("grow", {I32(5)}), 0xFFFFFFFFu);  // max 10
  EXPECT_EQ(I32Of("size"), 6u);
  EXPECT_EQ(I32Of("ref_func_is_null"), 0u);
}

TEST_F(TableTest, FillAndCopy) {
  Run("fill_seven", {I32(2), I32(2)});
  EXPECT_EQ(I32Of("call_v", {I32(2)}), 7u);
  EXPECT_EQ(I32Of("call_v", {I32(3)}), 7u);
  EXPECT_EQ(TrapOf("fill_seven", {I32(3), I32(2)}), TrapKind::kTableOutOfBounds);
  Run("fill_seven", {I32(4), I32(0)});
  // Overlapping copy [inc, dbl, 7, 7] -> copy(1, 0, 3) -> [inc, inc, dbl, 7].
  Run("copy", {I32(1), I32(0), I32(3)});
  EXPECT_EQ(I32Of("call", {I32(1), I32(10)}), 11u);
  EXPECT_EQ(I32Of("call", {I32(2), I32(10)}), 20u);
  EXPECT_EQ(I32Of("call_v", {I32(3)}), 7u);
  Run("copy", {I32(0), I32(1), I32(3)});  // -> [inc, dbl, 7, 7]
  EXPECT_EQ(I32Of("call", {I32(1), I32(10)}), 20u);
  EXPECT_EQ(TrapOf("copy", {I32(2), I32(0), I32(3)}), TrapKind::kTableOutOfBounds);
}

TEST_F(TableTest, InitAndElemDrop) {
  Run("init", {I32(2), I32(0), I32(2)});  // passive [inc, dbl, seven] -> slots 2, 3
  EXPECT_EQ(I32Of("call", {I32(2), I32(5)}), 6u);
  EXPECT_EQ(I32Of("call", {I32(3), I32(5)}), 10u);
  Run("init", {I32(0), I32(2), I32(1)});
  EXPECT_EQ(I32Of("call_v", {I32(0)}), 7u);
  Trap t = h_->GetTrap("init", {I32(3), I32(0), I32(2)});
  EXPECT_EQ(t.kind, TrapKind::kTableOutOfBounds);
  EXPECT_EQ(t.message, "out of bounds table access");
  EXPECT_EQ(TrapOf("init", {I32(0), I32(2), I32(2)}), TrapKind::kTableOutOfBounds);
  Run("elem_drop", {});
  Run("init", {I32(0), I32(0), I32(0)});
  EXPECT_EQ(TrapOf("init", {I32(0), I32(0), I32(1)}), TrapKind::kTableOutOfBounds);
}

TEST_F(TableTest, ExternRefs) {
  EXPECT_EQ(I32Of("ext_size"), 2u);
  EXPECT_EQ(h_->Get("ext_get", {I32(0)}).bits, 0u);
  Run("ext_set", {I32(1), MakeExternRef(41)});
  EXPECT_EQ(h_->Get("ext_get", {I32(1)}).bits, MakeExternRef(41).bits);
  EXPECT_EQ(TrapOf("ext_get", {I32(2)}), TrapKind::kTableOutOfBounds);
}

}  // namespace
}  // namespace capsa::engine::testing
