// Byte layouts the WASI layer writes into guest memory: fdstat, filestat,
// prestat, dirents, poll events, clocks and random bytes.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "tests/e2e/wasi_fixture.h"

namespace capsa::wasi_test {
namespace {

using WasiLayoutTest = WasiFixture;

TEST_F(WasiLayoutTest, FdstatIs24BytesWithZeroedPadding) {
  std::memset(Mem(100), 0xAA, 32);
  ASSERT_EQ(Call("fd_fdstat_get", {I32(kStdout), I32(100)}), 0u);
  EXPECT_EQ(*Mem(100), static_cast<uint8_t>(wasi::FileType::kRegularFile));
  EXPECT_EQ(*Mem(101), 0);
  EXPECT_EQ(U32At(100 + 2) & 0xFFFF, 0u);  // flags
  EXPECT_EQ(U32At(104), 0u);               // padding
  EXPECT_EQ(U64At(108), wasi::right::kAll);
  EXPECT_EQ(U64At(116), wasi::right::kAll);
  EXPECT_EQ(*Mem(124), 0xAA);  // nothing past 24 bytes
  EXPECT_EQ(Call("fd_fdstat_get", {I32(kStdout), I32(kMemSize - 23)}), E(Errno::kFault));
}

TEST_F(WasiLayoutTest, FilestatIs64Bytes) {
  std::ofstream(root_ + "/five.txt") << "12345";
  const uint32_t len = PutString(1000, "five.txt");
  std::memset(Mem(200), 0xAA, 72);
  ASSERT_EQ(Call("path_filestat_get", {I32(kPreopen), I32(1), I32(1000), I32(len), I32(200)}), 0u);
  EXPECT_NE(U64At(208), 0u);  // ino
  EXPECT_EQ(*Mem(216), static_cast<uint8_t>(wasi::FileType::kRegularFile));
  for (uint32_t i = 217; i < 224; ++i)
    EXPECT_EQ(*Mem(i), 0) << i;
  EXPECT_EQ(U64At(224), 1u);  // nlink
  EXPECT_EQ(U64At(232), 5u);  // size
  EXPECT_NE(U64At(248), 0u);  // mtim
  EXPECT_EQ(*Mem(264), 0xAA);
  EXPECT_EQ(
      Call("path_filestat_get", {I32(kPreopen), I32(1), I32(1000), I32(len), I32(kMemSize - 63)}),
      E(Errno::kFault));
  ASSERT_EQ(Call("fd_filestat_get", {I32(kPreopen), I32(300)}), 0u);
  EXPECT_EQ(*Mem(316), static_cast<uint8_t>(wasi::FileType::kDirectory));
}

TEST_F(WasiLayoutTest, PrestatAndDirName) {
  std::memset(Mem(100), 0xAA, 8);
  ASSERT_EQ(Call("fd_prestat_get", {I32(kPreopen), I32(100)}), 0u);
  EXPECT_EQ(*Mem(100), 0);  // tag: dir
  EXPECT_EQ(*Mem(101), 0);
  EXPECT_EQ(U32At(104), 9u);  // "/tmp-root"
  std::memset(Mem(200), 0xAA, 16);
  ASSERT_EQ(Call("fd_prestat_dir_name", {I32(kPreopen), I32(200), I32(9)}), 0u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(Mem(200)), 10), "/tmp-root\xAA");
  EXPECT_EQ(Call("fd_prestat_dir_name", {I32(kPreopen), I32(200), I32(8)}), E(Errno::kNametoolong));
  EXPECT_EQ(Call("fd_prestat_dir_name", {I32(kPreopen), I32(kMemSize - 4), I32(9)}),
            E(Errno::kFault));
  EXPECT_EQ(Call("fd_prestat_get", {I32(kStdout), I32(100)}), E(Errno::kBadf));
  EXPECT_EQ(Call("fd_prestat_get", {I32(kPreopen), I32(kMemSize - 4)}), E(Errno::kFault));
}

// Parses packed dirents: name -> (d_type, d_next).
std::map<std::string, std::pair<uint8_t, uint64_t>> ParseDirents(const uint8_t* p, uint32_t n) {
  std::map<std::string, std::pair<uint8_t, uint64_t>> out;
  uint32_t at = 0;
  while (at + wasi::kDirentHeaderSize <= n) {
    uint64_t next;
    uint32_t namlen;
    std::memcpy(&next, p + at, 8);
    std::memcpy(&namlen, p + at + 16, 4);
    const uint8_t type = p[at + 20];
    at += wasi::kDirentHeaderSize;
    if (at + namlen > n)
      break;
    out[std::string(reinterpret_cast<const char*>(p + at), namlen)] = {type, next};
    at += namlen;
  }
  return out;
}

TEST_F(WasiLayoutTest, ReaddirPacksAndTruncates) {
  std::ofstream(root_ + "/file_a") << "a";
  std::filesystem::create_directory(root_ + "/dir_b");
  ASSERT_EQ(Call("fd_readdir", {I32(kPreopen), I32(1000), I32(4096), I64(0), I32(16)}), 0u);
  const uint32_t used = U32At(16);
  EXPECT_LT(used, 4096u);  // everything fit
  auto entries = ParseDirents(Mem(1000), used);
  ASSERT_EQ(entries.size(), 4u);  // . .. file_a dir_b
  EXPECT_EQ(entries["file_a"].first, static_cast<uint8_t>(wasi::FileType::kRegularFile));
  EXPECT_EQ(entries["dir_b"].first, static_cast<uint8_t>(wasi::FileType::kDirectory));

  // A buffer too small for everything is filled completely (bufused == buf_len).
  std::memset(Mem(2000), 0xAA, 64);
  ASSERT_EQ(Call("fd_readdir", {I32(kPreopen), I32(2000), I32(30), I64(0), I32(16)}), 0u);
  EXPECT_EQ(U32At(16), 30u);
  EXPECT_EQ(*Mem(2030), 0xAA);
  EXPECT_EQ(Call("fd_readdir", {I32(kPreopen), I32(kMemSize - 10), I32(30), I64(0), I32(16)}),
            E(Errno::kFault));
}

TEST_F(WasiLayoutTest, PollOneoffClockSubscription) {
  std::memset(Mem(100), 0, wasi::kSubscriptionSize);
  PutU64At(100, 0xC0FFEE);  // userdata
  *Mem(108) = 0;            // tag: clock
  PutU32At(116, 1);         // monotonic
  PutU64At(124, 1000000);   // 1 ms
  std::memset(Mem(200), 0xAA, wasi::kEventSize);
  ASSERT_EQ(Call("poll_oneoff", {I32(100), I32(200), I32(1), I32(300)}), 0u);
  EXPECT_EQ(U32At(300), 1u);
  EXPECT_EQ(U64At(200), 0xC0FFEEu);
  EXPECT_EQ(*Mem(208), 0);  // error
  EXPECT_EQ(*Mem(209), 0);
  EXPECT_EQ(*Mem(210), 0);  // type: clock
  *Mem(108) = 3;            // unknown tag
  EXPECT_EQ(Call("poll_oneoff", {I32(100), I32(200), I32(1), I32(300)}), E(Errno::kInval));
  EXPECT_EQ(Call("poll_oneoff", {I32(100), I32(kMemSize - 31), I32(1), I32(300)}),
            E(Errno::kFault));
}

TEST_F(WasiLayoutTest, ClocksAndRandom) {
  PutU64At(100, 0);
  ASSERT_EQ(Call("clock_time_get", {I32(0), I64(1), I32(100)}), 0u);
  EXPECT_GT(U64At(100), 1600000000ull * 1000000000ull);  // after 2020
  ASSERT_EQ(Call("clock_res_get", {I32(1), I32(108)}), 0u);
  EXPECT_GT(U64At(108), 0u);
  EXPECT_EQ(Call("clock_time_get", {I32(1), I64(1), I32(kMemSize - 7)}), E(Errno::kFault));

  std::memset(Mem(1000), 0, 64);
  ASSERT_EQ(Call("random_get", {I32(1000), I32(64)}), 0u);
  int nonzero = 0;
  for (int i = 0; i < 64; ++i)
    nonzero += *Mem(1000 + i) != 0;
  EXPECT_GT(nonzero, 32);
  EXPECT_EQ(Call("random_get", {I32(kMemSize - 10), I32(11)}), E(Errno::kFault));
  EXPECT_EQ(Call("random_get", {I32(kMemSize), I32(0)}), 0u);
  EXPECT_EQ(Call("sched_yield", {}), 0u);
}

}  // namespace
}  // namespace capsa::wasi_test
