// LinearMemory growth and limits, anonymous and memfd-backed, and table growth.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "engine/runtime.h"

namespace capsa::engine {
namespace {

constexpr uint64_t kPage = LinearMemory::kPageSize;

std::shared_ptr<LinearMemory> MustCreate(uint64_t min,
                                         std::optional<uint64_t> max = std::nullopt,
                                         int memfd = -1,
                                         uint64_t max_bytes = LinearMemory::kMaxPages * kPage) {
  auto m = LinearMemory::Create(MemoryType{Limits{min, max}}, memfd, max_bytes);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
  return m.ok() ? m.value() : nullptr;
}

class Memfd {
 public:
  Memfd() : fd_(memfd_create("capsa-test", MFD_CLOEXEC)) {}
  ~Memfd() {
    if (fd_ >= 0)
      close(fd_);
  }
  int fd() const { return fd_; }
  uint64_t Size() const {
    struct stat st;
    return fstat(fd_, &st) == 0 ? st.st_size : ~uint64_t{0};
  }

 private:
  int fd_;
};

TEST(LinearMemoryTest, StartsZeroedAtMinimum) {
  auto m = MustCreate(2);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->pages(), 2u);
  EXPECT_EQ(m->size(), 2 * kPage);
  for (uint64_t i = 0; i < m->size(); i += 4093)
    EXPECT_EQ(m->data()[i], 0) << i;
  m->data()[m->size() - 1] = 7;
  EXPECT_EQ(m->data()[m->size() - 1], 7);
  EXPECT_TRUE(m->InBounds(m->size() - 1, 1));
  EXPECT_FALSE(m->InBounds(m->size() - 1, 2));
  EXPECT_FALSE(m->InBounds(m->size() + 1, 0));
}

TEST(LinearMemoryTest, GrowKeepsBaseAndContents) {
  auto m = MustCreate(1);
  ASSERT_TRUE(m);
  uint8_t* base = m->data();
  m->data()[10] = 42;
  EXPECT_EQ(m->Grow(3), std::optional<uint64_t>(1));
  EXPECT_EQ(m->pages(), 4u);
  EXPECT_EQ(m->data(), base);
  EXPECT_EQ(m->data()[10], 42);
  m->data()[4 * kPage - 1] = 1;  // the new pages are writable
  EXPECT_EQ(m->Grow(0), std::optional<uint64_t>(4));
}

TEST(LinearMemoryTest, GrowHonoursTypeMaxAndPolicyLimit) {
  auto typed = MustCreate(1, 3);
  ASSERT_TRUE(typed);
  EXPECT_EQ(typed->Grow(3), std::nullopt);
  EXPECT_EQ(typed->pages(), 1u);
  EXPECT_EQ(typed->Grow(2), std::optional<uint64_t>(1));
  EXPECT_EQ(typed->Grow(1), std::nullopt);

  auto limited = MustCreate(1, std::nullopt, -1, 2 * kPage + 100);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->Grow(1), std::optional<uint64_t>(1));
  EXPECT_EQ(limited->Grow(1), std::nullopt);
  EXPECT_EQ(limited->size(), 2 * kPage);

  auto unbounded = MustCreate(0);
  ASSERT_TRUE(unbounded);
  EXPECT_EQ(unbounded->Grow(LinearMemory::kMaxPages + 1), std::nullopt);
  EXPECT_EQ(unbounded->Grow(~uint64_t{0}), std::nullopt);
}

TEST(LinearMemoryTest, MinimumAboveLimitIsRefused) {
  auto m = LinearMemory::Create(MemoryType{Limits{3, std::nullopt}}, -1, 2 * kPage);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kLimit);
}

TEST(LinearMemoryTest, AccessPastTheEndFaults) {
  auto m = MustCreate(1);
  ASSERT_TRUE(m);
  volatile uint8_t* past = m->data() + m->size();
  EXPECT_DEATH({ *past = 1; }, "");
}

TEST(LinearMemoryTest, MemfdBackingIsSharedWithASecondMapping) {
  Memfd fd;
  ASSERT_GE(fd.fd(), 0);
  auto m = MustCreate(1, std::nullopt, fd.fd());
  ASSERT_TRUE(m);
  EXPECT_EQ(fd.Size(), kPage);
  std::memcpy(m->data() + 100, "guest", 5);

  // The broker's view: its own mapping of the same memfd.
  void* view = mmap(nullptr, 3 * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd.fd(), 0);
  ASSERT_NE(view, MAP_FAILED);
  auto* broker = static_cast<uint8_t*>(view);
  EXPECT_EQ(std::memcmp(broker + 100, "guest", 5), 0);

  ASSERT_EQ(m->Grow(2), std::optional<uint64_t>(1));
  EXPECT_EQ(fd.Size(), 3 * kPage);
  std::memcpy(m->data() + 2 * kPage + 8, "grown", 5);
  EXPECT_EQ(std::memcmp(broker + 2 * kPage + 8, "grown", 5), 0);
  std::memcpy(broker + kPage, "from broker", 11);  // and back
  EXPECT_EQ(std::memcmp(m->data() + kPage, "from broker", 11), 0);
  munmap(view, 3 * kPage);
}

TEST(LinearMemoryTest, MemfdGrowthRespectsLimits) {
  Memfd fd;
  ASSERT_GE(fd.fd(), 0);
  auto m = MustCreate(0, 2, fd.fd());
  ASSERT_TRUE(m);
  EXPECT_EQ(fd.Size(), 0u);
  EXPECT_EQ(m->Grow(3), std::nullopt);
  EXPECT_EQ(fd.Size(), 0u);  // a refused grow leaves the memfd alone
  EXPECT_EQ(m->Grow(2), std::optional<uint64_t>(0));
  EXPECT_EQ(fd.Size(), 2 * kPage);
}

TEST(LinearMemoryTest, NonEmptyMemfdIsRefused) {
  Memfd fd;
  ASSERT_GE(fd.fd(), 0);
  ASSERT_EQ(ftruncate(fd.fd(), 4096), 0);
  auto m = LinearMemory::Create(MemoryType{Limits{1, std::nullopt}}, fd.fd());
  EXPECT_FALSE(m.ok());
}

TEST(TableInstanceTest, GrowHonoursMaxAndCap) {
  TableInstance t;
  t.type = TableType{ValType::kFuncRef, Limits{2, 5}};
  t.elements.assign(2, NullRef());
  EXPECT_EQ(t.Grow(2, MakeExternRef(9)), std::optional<uint64_t>(2));
  EXPECT_EQ(t.elements.size(), 4u);
  EXPECT_EQ(t.type.limits.min, 4u);
  EXPECT_EQ(t.elements[3].bits, MakeExternRef(9).bits);
  EXPECT_EQ(t.Grow(2, NullRef()), std::nullopt);
  EXPECT_EQ(t.elements.size(), 4u);

  TableInstance unbounded;
  EXPECT_EQ(unbounded.Grow(TableInstance::kMaxElements + 1, NullRef()), std::nullopt);
  EXPECT_EQ(unbounded.Grow(0, NullRef()), std::optional<uint64_t>(0));
}

}  // namespace
}  // namespace capsa::engine
