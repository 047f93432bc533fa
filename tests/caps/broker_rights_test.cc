// Rights derivation and enforcement through the real broker: a child never
// holds more than its parent may pass on, and the kernel fd agrees.
#include <fcntl.h>
#include <gtest/gtest.h>

#include "tests/caps/broker_harness.h"

namespace capsa::caps {
namespace {

using testing::BrokerHarness;
using testing::PreopenSpec;
using wasi::Errno;
namespace r = wasi::right;
constexpr wasi::Fd kSandbox = 3;

std::vector<PreopenSpec> ReadOnlySandbox() {
  return {{"sandbox", "/sandbox", DirRights::ReadOnly()}};
}

TEST(BrokerRights, ReadOnlyChildNeverGetsWrite) {
  BrokerHarness h(ReadOnlySandbox());
  h.tree().WriteFile("sandbox/f", "original");
  wasi::Fd fd = 0;
  ASSERT_EQ(h.Open(kSandbox, "f", 0, r::kFdRead | r::kFdWrite | r::kFdAllocate, &fd),
            Errno::kSuccess);
  wasi::FdStat st{};
  ASSERT_EQ(h.client().FdFdstatGet(fd, &st), Errno::kSuccess);
  EXPECT_TRUE(st.rights_base & r::kFdRead);
  EXPECT_FALSE(st.rights_base & (r::kFdWrite | r::kFdAllocate));
  EXPECT_EQ(st.rights_inheriting & ~DirRights::ReadOnly().inheriting(), 0u);
  // The broker's real descriptor is O_RDONLY: the kernel would refuse too.
  EXPECT_EQ(h.BrokerAccessModeOf(h.tree().Path("sandbox/f")), O_RDONLY);

  EXPECT_EQ(h.Write(fd, "clobber"), Errno::kNotcapable);
  EXPECT_EQ(h.tree().ReadFile("sandbox/f"), "original");
  const auto denials = h.sink().denials();
  ASSERT_EQ(denials.size(), 1u);
  EXPECT_EQ(denials[0].operation, "fd_write");
  EXPECT_EQ(denials[0].rights_needed, r::kFdWrite);
  EXPECT_EQ(denials[0].rights_held, st.rights_base);
  EXPECT_EQ(denials[0].wasi_errno, static_cast<uint16_t>(Errno::kNotcapable));
  EXPECT_EQ(denials[0].host_path, h.tree().Path("sandbox/f"));
  EXPECT_FALSE(denials[0].reason.empty());
  EXPECT_EQ(h.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST(BrokerRights, ReadOnlyPreopenRefusesEveryMutation) {
  BrokerHarness h(ReadOnlySandbox());
  h.tree().WriteFile("sandbox/f", "original");
  ASSERT_EQ(mkdir(h.tree().Path("sandbox/d").c_str(), 0755), 0);
  wasi::Fd fd = 0;
  EXPECT_EQ(h.Open(kSandbox, "new", wasi::oflag::kCreat, r::kFdRead, &fd), Errno::kNotcapable);
  EXPECT_EQ(h.Open(kSandbox, "f", wasi::oflag::kTrunc, r::kFdRead, &fd), Errno::kNotcapable);
  EXPECT_EQ(h.client().PathCreateDirectory(kSandbox, "nd"), Errno::kNotcapable);
  EXPECT_EQ(h.client().PathUnlinkFile(kSandbox, "f"), Errno::kNotcapable);
  EXPECT_EQ(h.client().PathRemoveDirectory(kSandbox, "d"), Errno::kNotcapable);
  EXPECT_FALSE(h.tree().Exists("sandbox/new"));
  EXPECT_FALSE(h.tree().Exists("sandbox/nd"));
  EXPECT_TRUE(h.tree().Exists("sandbox/d"));
  EXPECT_EQ(h.tree().ReadFile("sandbox/f"), "original");
  const auto denials = h.sink().denials();
  ASSERT_EQ(denials.size(), 5u);
  EXPECT_EQ(denials[0].rights_needed, r::kPathOpen | r::kPathCreateFile);
  EXPECT_EQ(denials[0].guest_path, "/sandbox/new");
  EXPECT_EQ(denials[0].host_path, h.tree().Path("sandbox/new"));
  EXPECT_EQ(denials[1].rights_needed, r::kPathOpen | r::kPathFilestatSetSize);
  EXPECT_EQ(denials[2].operation, "path_create_directory");
  EXPECT_EQ(denials[3].operation, "path_unlink_file");
  EXPECT_EQ(denials[4].operation, "path_remove_directory");
  for (const auto& d : denials) EXPECT_EQ(d.wasi_errno, static_cast<uint16_t>(Errno::kNotcapable));
  EXPECT_EQ(h.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST(BrokerRights, AttenuationIsTransitive) {
  BrokerHarness h;
  ASSERT_EQ(mkdir(h.tree().Path("sandbox/sub").c_str(), 0755), 0);
  wasi::Fd dir = 0;
  // A subdirectory whose children may only be read.
  ASSERT_EQ(h.client().PathOpen(kSandbox, 0, "sub", wasi::oflag::kDirectory,
                                r::kPathOpen | r::kFdReaddir, r::kFdRead | r::kPathOpen, 0, &dir),
            Errno::kSuccess);
  wasi::FdStat st{};
  ASSERT_EQ(h.client().FdFdstatGet(dir, &st), Errno::kSuccess);
  EXPECT_EQ(st.filetype, wasi::FileType::kDirectory);
  EXPECT_EQ(st.rights_base, r::kPathOpen | r::kFdReaddir);
  EXPECT_EQ(st.rights_inheriting, r::kFdRead | r::kPathOpen);
  h.tree().WriteFile("sandbox/sub/g", "g");
  wasi::Fd fd = 0;
  ASSERT_EQ(h.Open(dir, "g", 0, r::kFdRead | r::kFdWrite, &fd), Errno::kSuccess);
  ASSERT_EQ(h.client().FdFdstatGet(fd, &st), Errno::kSuccess);
  EXPECT_EQ(st.rights_base, r::kFdRead);
  EXPECT_EQ(h.BrokerAccessModeOf(h.tree().Path("sandbox/sub/g")), O_RDONLY);
  EXPECT_EQ(h.Write(fd, "x"), Errno::kNotcapable);
  // The sub handle itself has no create right.
  EXPECT_EQ(h.Open(dir, "h", wasi::oflag::kCreat, r::kFdRead, &fd), Errno::kNotcapable);
  EXPECT_FALSE(h.tree().Exists("sandbox/sub/h"));
  // Derived events carry the attenuated rights.
  const auto derived = h.sink().derived();
  ASSERT_EQ(derived.size(), 2u);
  EXPECT_EQ(derived[1].rights_base, r::kFdRead);
  EXPECT_EQ(derived[1].host_path, h.tree().Path("sandbox/sub/g"));
  EXPECT_EQ(h.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST(BrokerRights, KernelModeFollowsRights) {
  BrokerHarness h;
  wasi::Fd fd = 0;
  ASSERT_EQ(h.Open(kSandbox, "wo", wasi::oflag::kCreat, r::kFdWrite, &fd), Errno::kSuccess);
  EXPECT_EQ(h.BrokerAccessModeOf(h.tree().Path("sandbox/wo")), O_WRONLY);
  std::string got;
  EXPECT_EQ(h.Read(fd, 4, &got), Errno::kNotcapable);
  ASSERT_EQ(h.Open(kSandbox, "rw", wasi::oflag::kCreat, r::kFdWrite | r::kFdRead, &fd),
            Errno::kSuccess);
  EXPECT_EQ(h.BrokerAccessModeOf(h.tree().Path("sandbox/rw")), O_RDWR);
  // Append from fdflags.
  ASSERT_EQ(h.Open(kSandbox, "rw", 0, r::kFdWrite, &fd, wasi::lookupflag::kSymlinkFollow,
                   wasi::fdflag::kAppend),
            Errno::kSuccess);
  wasi::FdStat st{};
  ASSERT_EQ(h.client().FdFdstatGet(fd, &st), Errno::kSuccess);
  EXPECT_EQ(st.flags, wasi::fdflag::kAppend);
  // A directory opened with write rights is EISDIR, as on Linux.
  ASSERT_EQ(mkdir(h.tree().Path("sandbox/dir").c_str(), 0755), 0);
  EXPECT_EQ(h.Open(kSandbox, "dir", 0, r::kFdWrite, &fd), Errno::kIsdir);
  EXPECT_EQ(h.Open(kSandbox, "dir", 0, r::kFdRead, &fd), Errno::kSuccess);
  EXPECT_EQ(h.Open(kSandbox, "rw", wasi::oflag::kDirectory, r::kFdRead, &fd), Errno::kNotdir);
  EXPECT_EQ(h.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST(BrokerRights, BadFdsAreDeniedAndLogged) {
  BrokerHarness h;
  wasi::Size n = 0;
  const wasi::IoVec iov{0, 1};
  EXPECT_EQ(h.client().FdWrite(99, {&iov, 1}, &n), Errno::kBadf);
  EXPECT_EQ(h.client().FdClose(0xffffffffu), Errno::kBadf);
  wasi::Fd fd = 0;
  EXPECT_EQ(h.Open(77, "x", wasi::oflag::kCreat, r::kFdWrite, &fd), Errno::kBadf);
  EXPECT_FALSE(h.tree().Exists("sandbox/x"));
  // path_* on a regular-file handle: not a directory.
  ASSERT_EQ(h.Open(kSandbox, "file", wasi::oflag::kCreat, r::kAll, &fd), Errno::kSuccess);
  EXPECT_EQ(h.Open(fd, "x", 0, r::kFdRead, &fd), Errno::kNotdir);
  const auto denials = h.sink().denials();
  ASSERT_EQ(denials.size(), 3u);
  EXPECT_EQ(denials[0].operation, "fd_write");
  EXPECT_EQ(denials[0].wasi_errno, static_cast<uint16_t>(Errno::kBadf));
  EXPECT_EQ(denials[2].operation, "path_open");
  EXPECT_EQ(denials[2].guest_path, "x");
  EXPECT_EQ(h.Finish().kind, WorkerOutcome::Kind::kExit);
}

// BrokerClient answers fd_fdstat_get of a directory from its cache; every op
// that can change a handle (set_rights, renumber, close) must make the next
// answer the broker's again.
TEST(BrokerRights, CachedDirectoryFdstatFollowsChanges) {
  BrokerHarness h;
  ASSERT_EQ(h.client().PathCreateDirectory(kSandbox, "a"), Errno::kSuccess);
  ASSERT_EQ(h.client().PathCreateDirectory(kSandbox, "b"), Errno::kSuccess);
  const wasi::Rights asked = r::kPathOpen | r::kFdReaddir | r::kPathCreateFile;
  wasi::Fd a = 0, b = 0;
  ASSERT_EQ(h.Open(kSandbox, "a", wasi::oflag::kDirectory, asked, &a), Errno::kSuccess);
  ASSERT_EQ(h.Open(kSandbox, "b", wasi::oflag::kDirectory, asked, &b), Errno::kSuccess);
  wasi::FdStat first{}, again{};
  ASSERT_EQ(h.client().FdFdstatGet(a, &first), Errno::kSuccess);
  ASSERT_EQ(h.client().FdFdstatGet(a, &again), Errno::kSuccess);
  EXPECT_EQ(first.filetype, wasi::FileType::kDirectory);
  EXPECT_EQ(again.rights_base, first.rights_base);
  EXPECT_TRUE(first.rights_base & r::kPathCreateFile);

  ASSERT_EQ(h.client().FdFdstatSetRights(a, first.rights_base & ~r::kPathCreateFile,
                                         first.rights_inheriting),
            Errno::kSuccess);
  wasi::FdStat dropped{};
  ASSERT_EQ(h.client().FdFdstatGet(a, &dropped), Errno::kSuccess);
  EXPECT_EQ(dropped.rights_base, first.rights_base & ~r::kPathCreateFile);

  wasi::FdStat st{};
  ASSERT_EQ(h.client().FdFdstatGet(b, &st), Errno::kSuccess);  // b cached with create_file
  ASSERT_EQ(h.client().FdRenumber(a, b), Errno::kSuccess);
  ASSERT_EQ(h.client().FdFdstatGet(b, &st), Errno::kSuccess);
  EXPECT_EQ(st.rights_base, dropped.rights_base);
  EXPECT_EQ(h.client().FdFdstatGet(a, &st), Errno::kBadf);
  ASSERT_EQ(h.client().FdClose(b), Errno::kSuccess);
  EXPECT_EQ(h.client().FdFdstatGet(b, &st), Errno::kBadf);
  // Both EBADFs came from the broker, which logged them as denials.
  EXPECT_EQ(h.sink().denials().size(), 2u);
  EXPECT_EQ(h.Finish().kind, WorkerOutcome::Kind::kExit);
}

}  // namespace
}  // namespace capsa::caps
