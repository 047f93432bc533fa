// fd_readdir through the real broker: the broker packs the dirents straight
// into guest memory (its own mapping of the memfd) and replies bufused only.
// Checked by effect: the exact bytes in the memfd against a listing built here
// from getdents64, the cut at every buf_len, nothing written outside the
// buffer, cookies that resume exactly, a directory that changes between
// calls, and buffers outside the memory the broker observes (EFAULT, denied,
// nothing written).
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "caps/protocol.h"
#include "tests/caps/broker_harness.h"

namespace capsa::caps {
namespace {

using testing::BrokerHarness;
using wasi::Errno;
namespace r = wasi::right;
constexpr wasi::Fd kSandbox = 3;
constexpr uint32_t kBuf = 0x10000;     // where the tests put the guest buffer
constexpr uint8_t kCanary = 0xAA;

struct Listed {
  uint64_t next;
  uint64_t ino;
  uint8_t type;
  std::string name;
};

wasi::FileType TypeOf(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return wasi::FileType::kUnknown;
  if (S_ISREG(st.st_mode)) return wasi::FileType::kRegularFile;
  if (S_ISDIR(st.st_mode)) return wasi::FileType::kDirectory;
  if (S_ISLNK(st.st_mode)) return wasi::FileType::kSymbolicLink;
  return wasi::FileType::kUnknown;
}

// The whole directory in kernel order, independently of the broker's code:
// getdents64 from offset 0, types from lstat.
std::vector<Listed> KernelListing(const std::string& dir) {
  std::vector<Listed> out;
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  alignas(8) char buf[16384];
  for (;;) {
    const long n = getdents64(fd, buf, sizeof(buf));
    EXPECT_GE(n, 0);
    if (n <= 0) break;
    for (long at = 0; at < n;) {
      const auto* d = reinterpret_cast<const dirent64*>(buf + at);
      at += d->d_reclen;
      out.push_back({static_cast<uint64_t>(d->d_off), d->d_ino,
                     static_cast<uint8_t>(TypeOf(dir + "/" + d->d_name)), d->d_name});
    }
  }
  close(fd);
  return out;
}

// The preview1 layout, written out field by field (not with PackDirent).
std::string Pack(const std::vector<Listed>& entries, size_t from = 0) {
  std::string out;
  for (size_t i = from; i < entries.size(); ++i) {
    const Listed& e = entries[i];
    char header[24] = {};
    const uint32_t len = static_cast<uint32_t>(e.name.size());
    std::memcpy(header, &e.next, 8);
    std::memcpy(header + 8, &e.ino, 8);
    std::memcpy(header + 16, &len, 4);
    header[20] = static_cast<char>(e.type);
    out.append(header, sizeof(header));
    out += e.name;
  }
  return out;
}

class Readdir : public ::testing::Test {
 protected:
  void SetUp() override {
    h_.tree().WriteFile("sandbox/file", "x");
    ASSERT_EQ(mkdir(h_.tree().Path("sandbox/subdir").c_str(), 0755), 0);
    ASSERT_EQ(symlink("file", h_.tree().Path("sandbox/link").c_str()), 0);
    h_.tree().WriteFile("sandbox/" + std::string(200, 'n'), "");  // a long name
    listing_ = KernelListing(h_.tree().Path("sandbox"));
    ASSERT_EQ(listing_.size(), 6u);  // . .. file subdir link nnn...
    packed_ = Pack(listing_);
  }

  // Fills [kBuf - 64, kBuf + len + 64) with the canary, reads into [kBuf, +len).
  Errno ReadInto(uint32_t len, uint64_t cookie, wasi::Size* used) {
    std::memset(h_.memory() + kBuf - 64, kCanary, len + 128);
    *used = 0xdeadbeef;
    return h_.client().FdReaddir(kSandbox, cookie, {kBuf, len}, used);
  }
  std::string Guest(uint32_t offset, uint32_t len) {
    return std::string(reinterpret_cast<const char*>(h_.memory() + offset), len);
  }
  bool Untouched(uint32_t offset, uint32_t len) {
    for (uint32_t i = 0; i < len; ++i) {
      if (h_.memory()[offset + i] != kCanary) return false;
    }
    return true;
  }

  BrokerHarness h_;
  std::vector<Listed> listing_;
  std::string packed_;
};

TEST_F(Readdir, WritesTheExactDirentsIntoGuestMemory) {
  wasi::Size used = 0;
  ASSERT_EQ(ReadInto(4096, 0, &used), Errno::kSuccess);
  ASSERT_EQ(used, packed_.size());  // < buf_len: the directory ended
  EXPECT_EQ(Guest(kBuf, used), packed_);
  EXPECT_TRUE(Untouched(kBuf - 64, 64));
  EXPECT_TRUE(Untouched(kBuf + used, 4096 - used + 64));
  std::set<std::string> names;
  for (const Listed& e : listing_) names.insert(e.name);
  EXPECT_EQ(names, (std::set<std::string>{".", "..", "file", "subdir", "link",
                                          std::string(200, 'n')}));
  EXPECT_TRUE(h_.sink().denials().empty());
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

// Every buf_len from 0 to past the whole listing: the guest gets exactly the
// first min(buf_len, total) bytes, bufused == that, and nothing after them.
TEST_F(Readdir, CutsTheLastEntryAtEveryBufferLength) {
  const uint32_t total = static_cast<uint32_t>(packed_.size());
  for (uint32_t len = 0; len <= total + 40; ++len) {
    wasi::Size used = 0;
    ASSERT_EQ(ReadInto(len, 0, &used), Errno::kSuccess) << len;
    const uint32_t want = std::min(len, total);
    ASSERT_EQ(used, want) << "buf_len " << len;
    ASSERT_EQ(Guest(kBuf, used), packed_.substr(0, used)) << "buf_len " << len;
    ASSERT_TRUE(Untouched(kBuf + used, len - used + 64)) << "buf_len " << len;
    ASSERT_TRUE(Untouched(kBuf - 64, 64)) << "buf_len " << len;
  }
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

// A cookie is the d_next of an entry: reading from it yields exactly the
// entries after it; one past the last yields nothing.
TEST_F(Readdir, CookiesResumeExactly) {
  for (size_t i = 0; i < listing_.size(); ++i) {
    wasi::Size used = 0;
    ASSERT_EQ(ReadInto(4096, listing_[i].next, &used), Errno::kSuccess);
    EXPECT_EQ(Guest(kBuf, used), Pack(listing_, i + 1)) << "after " << listing_[i].name;
  }
  wasi::Size used = 0;
  EXPECT_EQ(ReadInto(64, ~0ull, &used), Errno::kSuccess);  // past any d_off
  EXPECT_EQ(used, 0u);
  EXPECT_EQ(ReadInto(64, 1ull << 63, &used), Errno::kSuccess);
  EXPECT_EQ(used, 0u);
  EXPECT_TRUE(Untouched(kBuf, 64));
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

// A guest loop with a small buffer that resumes from the last whole entry
// (wasi-libc's readdir does this) sees every entry exactly once.
TEST_F(Readdir, SmallBufferLoopSeesEveryEntryOnce) {
  std::multiset<std::string> seen;
  uint64_t cookie = 0;
  int calls = 0;
  for (; calls < 100; ++calls) {
    wasi::Size used = 0;
    ASSERT_EQ(ReadInto(250, cookie, &used), Errno::kSuccess);
    const std::string got = Guest(kBuf, used);
    size_t at = 0;
    while (at + 24 <= got.size()) {
      uint32_t len;
      std::memcpy(&len, got.data() + at + 16, 4);
      if (at + 24 + len > got.size()) break;  // cut: read it again next time
      seen.insert(got.substr(at + 24, len));
      std::memcpy(&cookie, got.data() + at, 8);
      at += 24 + len;
    }
    if (used < 250) break;
  }
  EXPECT_GT(calls, 0);  // the 200-byte name never fits with others: resumed
  EXPECT_EQ(seen.size(), listing_.size());
  for (const Listed& e : listing_) EXPECT_EQ(seen.count(e.name), 1u) << e.name;
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

// Entries removed and added between calls: the listing still ends, and
// every entry present throughout is seen exactly once.
TEST_F(Readdir, DirectoryChangingBetweenCalls) {
  ASSERT_EQ(mkdir(h_.tree().Path("sandbox/chg").c_str(), 0755), 0);
  for (int i = 0; i < 40; ++i) h_.tree().WriteFile("sandbox/chg/keep" + std::to_string(i), "");
  for (int i = 0; i < 20; ++i) h_.tree().WriteFile("sandbox/chg/drop" + std::to_string(i), "");
  wasi::Fd dir = 0;
  ASSERT_EQ(h_.Open(kSandbox, "chg", wasi::oflag::kDirectory, r::kFdReaddir, &dir),
            Errno::kSuccess);
  std::multiset<std::string> seen;
  uint64_t cookie = 0;
  int calls = 0;
  for (; calls < 1000; ++calls) {
    std::memset(h_.memory() + kBuf, 0, 100);
    wasi::Size used = 0;
    ASSERT_EQ(h_.client().FdReaddir(dir, cookie, {kBuf, 100}, &used), Errno::kSuccess);
    const std::string got = Guest(kBuf, used);
    size_t at = 0;
    while (at + 24 <= got.size()) {
      uint32_t len;
      std::memcpy(&len, got.data() + at + 16, 4);
      if (at + 24 + len > got.size()) break;
      seen.insert(got.substr(at + 24, len));
      std::memcpy(&cookie, got.data() + at, 8);
      at += 24 + len;
    }
    if (used < 100) break;
    // Churn: one old entry goes, one new one comes, every call.
    unlink(h_.tree().Path("sandbox/chg/drop" + std::to_string(calls % 20)).c_str());
    h_.tree().WriteFile("sandbox/chg/new" + std::to_string(calls), "");
  }
  EXPECT_LT(calls, 1000) << "the listing never ended";
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(seen.count("keep" + std::to_string(i)), 1u) << "keep" << i;
  }
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

// Buffers the broker must refuse by its own view of the memory (1 MiB here):
// EFAULT, a denial naming fd_readdir, and not one byte written, even the part
// of a straddling buffer that is inside.
TEST_F(Readdir, BufferOutsideObservedMemoryIsEfault) {
  constexpr uint32_t kMem = BrokerHarness::kMemoryBytes;
  struct Case {
    uint32_t buf, len;
  };
  const Case bad[] = {{kMem - 10, 30}, {kMem, 1}, {kMem + 1, 0}, {0xfffffff0u, 0x20},
                      {0xffffffffu, 0xffffffffu}, {0, 0xffffffffu}, {1, kMem},
                      {0x80000000u, 0x80000000u}};
  std::memset(h_.memory() + kMem - 64, kCanary, 64);
  size_t denials = 0;
  for (const Case& c : bad) {
    wasi::Size used = 0xdeadbeef;
    EXPECT_EQ(h_.client().FdReaddir(kSandbox, 0, {c.buf, c.len}, &used), Errno::kFault)
        << c.buf << " +" << c.len;
    EXPECT_EQ(used, 0xdeadbeefu);
    ASSERT_EQ(h_.sink().denials().size(), ++denials);
    const policy::DenialEvent d = h_.sink().denials().back();
    EXPECT_EQ(d.operation, "fd_readdir");
    EXPECT_EQ(d.wasi_errno, static_cast<uint16_t>(Errno::kFault));
    EXPECT_NE(d.reason.find("outside the linear memory"), std::string::npos) << d.reason;
  }
  EXPECT_TRUE(Untouched(kMem - 64, 64));
  // The edges that are inside: an empty buffer at the very end, and the
  // whole memory as one buffer.
  wasi::Size used = 1;
  EXPECT_EQ(h_.client().FdReaddir(kSandbox, 0, {kMem, 0}, &used), Errno::kSuccess);
  EXPECT_EQ(used, 0u);
  EXPECT_EQ(h_.client().FdReaddir(kSandbox, 0, {0, kMem}, &used), Errno::kSuccess);
  EXPECT_EQ(Guest(0, used), packed_);
  EXPECT_EQ(h_.sink().denials().size(), denials);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

// The broker maps what it observes with fstat: once the worker grows the
// memfd, a buffer in the new pages is accepted and written.
TEST_F(Readdir, BufferInGrownMemoryIsWritten) {
  constexpr uint32_t kMem = BrokerHarness::kMemoryBytes;
  wasi::Size used = 0;
  EXPECT_EQ(h_.client().FdReaddir(kSandbox, 0, {kMem + 100, 4096}, &used), Errno::kFault);
  ASSERT_EQ(ftruncate(h_.memfd(), 2 * kMem), 0);
  ASSERT_EQ(h_.client().FdReaddir(kSandbox, 0, {kMem + 100, 4096}, &used), Errno::kSuccess);
  ASSERT_EQ(used, packed_.size());
  std::string got(used, '\0');
  ASSERT_EQ(pread(h_.memfd(), got.data(), used, kMem + 100), static_cast<ssize_t>(used));
  EXPECT_EQ(got, packed_);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

// Handle checks come first (as for fd_read): bad fd, missing right, not a
// directory; none of them writes to the buffer.
TEST_F(Readdir, HandleChecksBeforeTheBuffer) {
  wasi::Size used = 0;
  EXPECT_EQ(ReadInto(64, 0, &used), Errno::kSuccess);
  EXPECT_EQ(h_.client().FdReaddir(77, 0, {0xfffffff0u, 0x20}, &used), Errno::kBadf);
  wasi::Fd file = 0;
  ASSERT_EQ(h_.Open(kSandbox, "file", 0, r::kFdRead | r::kFdReaddir, &file), Errno::kSuccess);
  std::memset(h_.memory() + kBuf, kCanary, 64);
  EXPECT_EQ(h_.client().FdReaddir(file, 0, {kBuf, 64}, &used), Errno::kNotdir);
  wasi::Fd list_less = 0;
  ASSERT_EQ(h_.Open(kSandbox, "subdir", wasi::oflag::kDirectory, r::kPathOpen, &list_less),
            Errno::kSuccess);
  EXPECT_EQ(h_.client().FdReaddir(list_less, 0, {kBuf, 64}, &used), Errno::kNotcapable);
  EXPECT_TRUE(Untouched(kBuf, 64));
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

// The wire format: 24-byte body with a zero pad; the old 16-byte body and a
// nonzero pad are protocol violations.
TEST(ReaddirWire, BodyIsExactAndPadIsZero) {
  auto message = [](const void* body, size_t size) {
    std::vector<uint8_t> m(sizeof(wire::RequestHeader) + size);
    const wire::RequestHeader h{static_cast<uint32_t>(wire::Op::kFdReaddir),
                                static_cast<uint32_t>(m.size())};
    std::memcpy(m.data(), &h, sizeof(h));
    std::memcpy(m.data() + sizeof(h), body, size);
    return m;
  };
  wire::ReaddirArgs a{3, 0x1000, 64, 0, 7};
  auto ok = wire::ParseRequest(message(&a, sizeof(a)));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->As<wire::ReaddirArgs>().buf_len, 64u);
  EXPECT_EQ(wire::FindOpSpec(static_cast<uint32_t>(wire::Op::kFdReaddir))->result_size,
            sizeof(wire::SizeResult));
  EXPECT_EQ(wire::FindOpSpec(static_cast<uint32_t>(wire::Op::kFdReaddir))->reply_trailer,
            wire::Trailer::kNone);
  a.pad = 1;
  EXPECT_FALSE(wire::ParseRequest(message(&a, sizeof(a))).ok());
  EXPECT_FALSE(wire::ParseRequest(message(&a, 16)).ok());
}

}  // namespace
}  // namespace capsa::caps
