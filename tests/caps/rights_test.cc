// Pure rules: rights factories, child derivation, open flags, handle numbering.
#include <fcntl.h>
#include <gtest/gtest.h>

#include "caps/handle_table.h"
#include "caps/rights.h"

namespace capsa::caps {
namespace {

namespace r = wasi::right;

TEST(DirRights, ReadOnlyGrantsNoMutation) {
  const DirRights ro = DirRights::ReadOnly();
  EXPECT_TRUE(ro.base() & r::kPathOpen);
  EXPECT_TRUE(ro.base() & r::kFdReaddir);
  EXPECT_TRUE(ro.inheriting() & r::kFdRead);
  EXPECT_TRUE(ro.inheriting() & r::kFdSeek);
  constexpr wasi::Rights kMutating =
      r::kFdWrite | r::kPathCreateFile | r::kPathCreateDirectory | r::kPathUnlinkFile |
      r::kPathRemoveDirectory | r::kPathRenameSource | r::kPathRenameTarget |
      r::kPathFilestatSetSize | r::kFdFilestatSetSize | r::kFdAllocate | r::kPathSymlink |
      r::kFdFilestatSetTimes | r::kPathFilestatSetTimes | r::kPathLinkTarget;
  EXPECT_EQ(ro.base() & kMutating, 0u);
  EXPECT_EQ(ro.inheriting() & kMutating, 0u);
}

TEST(DirRights, ReadWriteIsASupersetOfReadOnly) {
  const DirRights ro = DirRights::ReadOnly();
  const DirRights rw = DirRights::ReadWrite();
  EXPECT_EQ(rw.base() & ro.base(), ro.base());
  EXPECT_EQ(rw.inheriting() & ro.inheriting(), ro.inheriting());
  EXPECT_TRUE(rw.base() & r::kPathCreateFile);
  EXPECT_TRUE(rw.base() & r::kPathUnlinkFile);
  EXPECT_TRUE(rw.inheriting() & r::kFdWrite);
  EXPECT_EQ(rw.base() & ~r::kAll, 0u);
}

TEST(StdioRightsTest, StreamsGetTheirDirectionOnly) {
  const auto in = StdioRights(StdStream::kIn, wasi::FileType::kCharacterDevice);
  const auto out = StdioRights(StdStream::kOut, wasi::FileType::kCharacterDevice);
  EXPECT_TRUE(in & r::kFdRead);
  EXPECT_FALSE(in & r::kFdWrite);
  EXPECT_TRUE(out & r::kFdWrite);
  EXPECT_FALSE(out & r::kFdRead);
  // A tty has no seek/tell: that is how wasi-libc's isatty() recognises it.
  EXPECT_FALSE(out & (r::kFdSeek | r::kFdTell));
  EXPECT_TRUE(StdioRights(StdStream::kOut, wasi::FileType::kRegularFile) & r::kFdSeek);
}

TEST(DeriveChildRightsTest, NeverExceedsParentInheriting) {
  const DirRights ro = DirRights::ReadOnly();
  const ChildRights child = DeriveChildRights(ro.inheriting(), r::kAll, r::kAll);
  EXPECT_EQ(child.base, ro.inheriting());
  EXPECT_EQ(child.inheriting, ro.inheriting());
  EXPECT_FALSE(child.base & r::kFdWrite);
  const ChildRights none = DeriveChildRights(ro.inheriting(), r::kFdWrite, 0);
  EXPECT_EQ(none.base, 0u);
  EXPECT_EQ(DeriveChildRights(r::kAll, ~0ull, ~0ull).base, r::kAll);  // unknown bits dropped
}

TEST(PathOpenNeededRightsTest, CreateAndTruncateNeedTheirRights) {
  EXPECT_EQ(PathOpenNeededRights(0), r::kPathOpen);
  EXPECT_EQ(PathOpenNeededRights(wasi::oflag::kCreat), r::kPathOpen | r::kPathCreateFile);
  EXPECT_EQ(PathOpenNeededRights(wasi::oflag::kTrunc), r::kPathOpen | r::kPathFilestatSetSize);
}

struct FlagsCase {
  wasi::Rights base;
  wasi::OFlags oflags;
  wasi::FdFlags fdflags;
  wasi::LookupFlags lookup;
  int must_have;
  int must_not_have;
  int accmode;
};

TEST(OpenFlagsForTest, Table) {
  constexpr int kAlways = O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  const FlagsCase cases[] = {
      {r::kFdRead, 0, 0, 0, kAlways | O_NOFOLLOW, O_CREAT | O_TRUNC, O_RDONLY},
      {r::kFdRead | r::kFdWrite, 0, 0, wasi::lookupflag::kSymlinkFollow, kAlways, O_NOFOLLOW,
       O_RDWR},
      {r::kFdWrite, wasi::oflag::kCreat | wasi::oflag::kExcl, wasi::fdflag::kAppend, 0,
       O_CREAT | O_EXCL | O_APPEND, 0, O_WRONLY},
      {r::kFdFilestatSetSize, wasi::oflag::kTrunc, 0, 0, O_TRUNC, 0, O_WRONLY},
      {r::kFdRead | r::kFdWrite, wasi::oflag::kDirectory, 0, 0, O_DIRECTORY, 0, O_RDONLY},
      {0, 0, wasi::fdflag::kDsync, 0, O_DSYNC, 0, O_RDONLY},
      {r::kFdSeek | r::kFdTell, 0, 0, 0, 0, 0, O_RDONLY},  // no read/write right: read-only fd
  };
  for (const FlagsCase& c : cases) {
    const int flags = OpenFlagsFor(c.base, c.oflags, c.fdflags, c.lookup);
    EXPECT_EQ(flags & c.must_have, c.must_have) << std::hex << flags;
    EXPECT_EQ(flags & c.must_not_have, 0) << std::hex << flags;
    EXPECT_EQ(flags & O_ACCMODE, c.accmode) << std::hex << flags;
  }
}

TEST(RightsToStringTest, NamesBits) {
  EXPECT_EQ(RightsToString(0), "none");
  EXPECT_EQ(RightsToString(r::kFdRead | r::kFdWrite), "fd_read|fd_write");
}

Handle MakeHandle() {
  Handle h;
  h.fd = UniqueFd(dup(0));
  return h;
}

TEST(HandleTableTest, LowestFreeNumberAtOrAboveThree) {
  HandleTable table;
  ASSERT_TRUE(table.InstallAt(0, MakeHandle()).ok());
  ASSERT_TRUE(table.InstallAt(3, MakeHandle()).ok());
  ASSERT_TRUE(table.InstallAt(4, MakeHandle()).ok());
  EXPECT_FALSE(table.InstallAt(4, MakeHandle()).ok());
  EXPECT_EQ(table.Insert(MakeHandle()), 5u);
  EXPECT_EQ(table.Insert(MakeHandle()), 6u);
  EXPECT_TRUE(table.Remove(3));  // a preopen may be closed; its number is reused
  EXPECT_FALSE(table.Remove(3));
  EXPECT_EQ(table.Insert(MakeHandle()), 3u);
  EXPECT_EQ(table.Insert(MakeHandle()), 7u);  // 1 and 2 are stdio numbers: never handed out
  EXPECT_EQ(table.Get(1), nullptr);
  EXPECT_NE(table.Get(7), nullptr);
  EXPECT_EQ(table.Get(0xffffffffu), nullptr);
  EXPECT_EQ(table.size(), 6u);
}

TEST(HandleTableTest, RemoveClosesTheRealFd) {
  HandleTable table;
  Handle h = MakeHandle();
  const int raw = h.fd.get();
  const auto fd = table.Insert(std::move(h));
  ASSERT_TRUE(fd.has_value());
  EXPECT_GE(fcntl(raw, F_GETFD), 0);
  table.Remove(*fd);
  EXPECT_EQ(fcntl(raw, F_GETFD), -1);
}

TEST(HandleTableTest, FullTableRefuses) {
  HandleTable table;
  for (size_t i = HandleTable::kFirstNonStdio; i < HandleTable::kMaxHandles; ++i) {
    ASSERT_TRUE(table.Insert(Handle{}).has_value());
  }
  EXPECT_FALSE(table.Insert(Handle{}).has_value());
}

}  // namespace
}  // namespace capsa::caps
