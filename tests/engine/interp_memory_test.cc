// Loads and stores of every width, bounds checks, memory.size/grow and bulk
// memory (fill, copy with overlap, init, data.drop).
#include <gtest/gtest.h>

#include <cstring>

#include "tests/engine/interp_test_util.h"

namespace capsa::engine::testing {
namespace {

class MemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_ = Harness::Load("interp_memory");
    ASSERT_NE(h_, nullptr);
    mem_ = h_->instance().memories.at(0).get();
  }
  uint64_t Load(const std::string& fn, uint32_t addr) { return h_->Get(fn, {I32(addr)}).bits; }
  void Run(const std::string& fn, std::vector<Value> args) {
    auto r = h_->Call(fn, std::move(args));
    ASSERT_TRUE(std::holds_alternative<std::vector<Value>>(r)) << fn << " trapped";
  }
  TrapKind TrapOf(const std::string& fn, std::vector<Value> args) { return h_->GetTrap(fn, std::move(args)).kind; }

  std::unique_ptr<Harness> h_;
  LinearMemory* mem_ = nullptr;
};

// Memory starts with 01 02 .. 08 f0 f1 .. f7.
TEST_F(MemoryTest, LoadsExtendCorrectly) {
  EXPECT_EQ(Load("i32.load", 0) & 0xFFFFFFFF, 0x04030201u);
  EXPECT_EQ(Load("i64.load", 0), 0x0807060504030201u);
  EXPECT_EQ(Load("i64.load", 8), 0xF7F6F5F4F3F2F1F0u);
  EXPECT_EQ(Load("i32.load8_s", 8) & 0xFFFFFFFF, 0xFFFFFFF0u);
  EXPECT_EQ(Load("i32.load8_u", 8) & 0xFFFFFFFF, 0xF0u);
  EXPECT_EQ(Load("i32.load16_s", 8) & 0xFFFFFFFF, 0xFFFFF1F0u);
  EXPECT_EQ(Load("i32.load16_u", 8) & 0xFFFFFFFF, 0xF1F0u);
  EXPECT_EQ(Load("i64.load8_s", 9), 0xFFFFFFFFFFFFFFF1u);
  EXPECT_EQ(Load("i64.load8_u", 9), 0xF1u);
  EXPECT_EQ(Load("i64.load16_s", 10), 0xFFFFFFFFFFFFF3F2u);
  EXPECT_EQ(Load("i64.load16_u", 10), 0xF3F2u);
  EXPECT_EQ(Load("i64.load32_s", 12), 0xFFFFFFFFF7F6F5F4u);
  EXPECT_EQ(Load("i64.load32_u", 12), 0xF7F6F5F4u);
  EXPECT_EQ(Load("i64.load32_s", 0), 0x04030201u);
  EXPECT_EQ(Load("load_offset", 0) & 0xFFFFFFFF, 0x08070605u);
  EXPECT_EQ(Load("i32.load", 1) & 0xFFFFFFFF, 0x05040302u);  // unaligned
}

TEST_F(MemoryTest, FloatLoadsAndStores) {
  Run("f32.store", {I32(100), F32(-1.5f)});
  EXPECT_EQ(h_->Get("f32.load", {I32(100)}).f32, -1.5f);
  Run("f64.store", {I32(200), F64(3.25)});
  EXPECT_EQ(h_->Get("f64.load", {I32(200)}).f64, 3.25);
  // A signalling NaN's bits survive a store/load round trip.
  Value snan;
  snan.bits = 0x7FA00001;
  Run("f32.store", {I32(104), snan});
  EXPECT_EQ(h_->Get("i32.load", {I32(104)}).i32, 0x7FA00001u);
}

TEST_F(MemoryTest, StoresWriteTheirWidthOnly) {
  Run("i64.store", {I32(32), I64(0x1111111111111111)});
  Run("i32.store8", {I32(32), I32(0xABCDEF99)});
  Run("i32.store16", {I32(34), I32(0x12345678)});
  Run("i64.store8", {I32(36), I64(0xFFFFFFFFFFFFFF77)});
  Run("i64.store16", {I32(37), I64(0x8866)});
  EXPECT_EQ(Load("i64.load", 32), 0x1188667756781199u);
  Run("i64.store32", {I32(40), I64(0xDEADBEEFCAFEF00D)});
  EXPECT_EQ(Load("i64.load", 40) & 0xFFFFFFFF, 0xCAFEF00Du);
  Run("i32.store", {I32(48), I32(0x01020304)});
  EXPECT_EQ(mem_->data()[48], 0x04);
  EXPECT_EQ(mem_->data()[51], 0x01);
}

TEST_F(MemoryTest, OutOfBoundsAccessesTrap) {
  const uint32_t size = 65536;
  EXPECT_EQ(Load("i32.load8_u", size - 1), 0u);
  EXPECT_EQ(TrapOf("i32.load8_u", {I32(size)}), TrapKind::kMemoryOutOfBounds);
  EXPECT_EQ(TrapOf("i32.load", {I32(size - 3)}), TrapKind::kMemoryOutOfBounds);
  EXPECT_EQ(TrapOf("i64.load", {I32(size - 7)}), TrapKind::kMemoryOutOfBounds);
  EXPECT_EQ(TrapOf("i32.load", {I32(0xFFFFFFFF)}), TrapKind::kMemoryOutOfBounds);
  EXPECT_EQ(TrapOf("load_offset", {I32(size - 4)}), TrapKind::kMemoryOutOfBounds);
  // address + offset overflows 32 bits: must trap, not wrap around.
  EXPECT_EQ(TrapOf("load_max_offset", {I32(1)}), TrapKind::kMemoryOutOfBounds);
  EXPECT_EQ(TrapOf("i64.store", {I32(size - 4), I64(0)}), TrapKind::kMemoryOutOfBounds);
  EXPECT_EQ(TrapOf("i32.store16", {I32(size - 1), I32(0)}), TrapKind::kMemoryOutOfBounds);
  Trap t = h_->GetTrap("i32.load", {I32(size)});
  EXPECT_EQ(t.message, "out of bounds memory access");
}

TEST_F(MemoryTest, SizeAndGrow) {
  EXPECT_EQ(h_->Get("size").i32, 1u);
  EXPECT_EQ(h_->Get("grow", {I32(1)}).i32, 1u);
  EXPECT_EQ(h_->Get("size").i32, 2u);
  // The new page is zeroed and accessible right away.
  EXPECT_EQ(Load("i32.load", 65536 + 100), 0u);
  Run("i32.store", {I32(131072 - 4), I32(7)});
  EXPECT_EQ(h_->Get("grow", {I32(2)}).i32, 0xFFFFFFFFu);  // max is 3
  EXPECT_EQ(h_->Get("grow", {I32(0)}).i32, 2u);
  EXPECT_EQ(h_->Get("grow", {I32(1)}).i32, 2u);
  EXPECT_EQ(h_->Get("size").i32, 3u);
  EXPECT_EQ(TrapOf("i32.load8_u", {I32(3 * 65536)}), TrapKind::kMemoryOutOfBounds);
}

TEST_F(MemoryTest, Fill) {
  Run("fill", {I32(1000), I32(0x1AB), I32(5)});
  EXPECT_EQ(mem_->data()[999], 0);
  EXPECT_EQ(mem_->data()[1000], 0xAB);
  EXPECT_EQ(mem_->data()[1004], 0xAB);
  EXPECT_EQ(mem_->data()[1005], 0);
  Run("fill", {I32(65536), I32(1), I32(0)});  // zero length at the end is fine
  EXPECT_EQ(TrapOf("fill", {I32(65535), I32(1), I32(2)}), TrapKind::kMemoryOutOfBounds);
  EXPECT_EQ(TrapOf("fill", {I32(65537), I32(1), I32(0)}), TrapKind::kMemoryOutOfBounds);
}

TEST_F(MemoryTest, CopyHandlesOverlap) {
  Run("copy", {I32(2), I32(0), I32(8)});  // forward overlap
  const uint8_t expect_fwd[] = {1, 2, 1, 2, 3, 4, 5, 6, 7, 8, 0xF2};
  EXPECT_EQ(std::memcmp(mem_->data(), expect_fwd, sizeof(expect_fwd)), 0);
  Run("copy", {I32(0), I32(2), I32(8)});  // backward overlap
  const uint8_t expect_back[] = {1, 2, 3, 4, 5, 6, 7, 8, 7, 8, 0xF2};
  EXPECT_EQ(std::memcmp(mem_->data(), expect_back, sizeof(expect_back)), 0);
  EXPECT_EQ(TrapOf("copy", {I32(65530), I32(0), I32(7)}), TrapKind::kMemoryOutOfBounds);
  EXPECT_EQ(TrapOf("copy", {I32(0), I32(65530), I32(7)}), TrapKind::kMemoryOutOfBounds);
  EXPECT_EQ(TrapOf("copy", {I32(0), I32(0xFFFFFFFF), I32(2)}), TrapKind::kMemoryOutOfBounds);
}

TEST_F(MemoryTest, InitAndDataDrop) {
  Run("init", {I32(500), I32(1), I32(3)});
  EXPECT_EQ(std::memcmp(mem_->data() + 500, "ell", 3), 0);
  EXPECT_EQ(TrapOf("init", {I32(0), I32(3), I32(3)}), TrapKind::kMemoryOutOfBounds);
  EXPECT_EQ(TrapOf("init", {I32(65535), I32(0), I32(2)}), TrapKind::kMemoryOutOfBounds);
  Run("init", {I32(0), I32(5), I32(0)});
  Run("drop", {});
  Run("drop", {});  // dropping twice is allowed
  Run("init", {I32(0), I32(0), I32(0)});
  EXPECT_EQ(TrapOf("init", {I32(0), I32(0), I32(1)}), TrapKind::kMemoryOutOfBounds);
  // Active segments are dropped by instantiation.
  EXPECT_EQ(TrapOf("init_active", {I32(0)}), TrapKind::kMemoryOutOfBounds);
  Run("drop_active", {});
}

}  // namespace
}  // namespace capsa::engine::testing
