// caps/path_resolver against a real tree: every escape shape is refused by the
// kernel (openat2) and classified; nothing is created outside.
#include "caps/path_resolver.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/caps/broker_harness.h"

namespace capsa::caps {
namespace {

using testing::TempTree;
using wasi::Errno;

TEST(CheckGuestPathTest, Table) {
  struct Case {
    std::string path;
    Errno error;
    PathRefusal refusal;
  };
  const Case cases[] = {
      {"", Errno::kNoent, PathRefusal::kNone},
      {std::string("a\0b", 3), Errno::kInval, PathRefusal::kNone},
      {"/etc/passwd", Errno::kNotcapable, PathRefusal::kAbsolute},
      {"//x", Errno::kNotcapable, PathRefusal::kAbsolute},
      {std::string(kMaxPathBytes + 1, 'a'), Errno::kNametoolong, PathRefusal::kNone},
      {"a/b", Errno::kSuccess, PathRefusal::kNone},
      {"..", Errno::kSuccess, PathRefusal::kNone},  // the kernel judges ".."
  };
  for (const Case& c : cases) {
    const PathStatus s = CheckGuestPath(c.path);
    EXPECT_EQ(s.error, c.error) << c.path;
    EXPECT_EQ(s.refusal, c.refusal) << c.path;
  }
}

class OpenBeneathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_.WriteFile("sandbox/file", "inside");
    ASSERT_EQ(mkdir(tree_.Path("sandbox/sub").c_str(), 0755), 0);
    ASSERT_EQ(symlink(tree_.Path("outside/secret").c_str(), tree_.Path("sandbox/abs").c_str()), 0);
    ASSERT_EQ(symlink("../outside", tree_.Path("sandbox/up").c_str()), 0);
    ASSERT_EQ(symlink("sub", tree_.Path("sandbox/alias").c_str()), 0);
    ASSERT_EQ(symlink("loop2", tree_.Path("sandbox/loop1").c_str()), 0);
    ASSERT_EQ(symlink("loop1", tree_.Path("sandbox/loop2").c_str()), 0);
    ASSERT_EQ(symlink("/proc/self/root", tree_.Path("sandbox/proc").c_str()), 0);
    dir_.Reset(open(tree_.Path("sandbox").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(dir_.valid());
  }
  PathStatus Open(const std::string& path, int flags = O_RDONLY) {
    UniqueFd fd;
    const PathStatus s = OpenBeneath(dir_.get(), path, flags, 0644, &fd);
    EXPECT_EQ(s.ok(), fd.valid()) << path;
    return s;
  }
  TempTree tree_;
  UniqueFd dir_;
};

TEST_F(OpenBeneathTest, InsidePathsOpen) {
  EXPECT_TRUE(Open("file").ok());
  EXPECT_TRUE(Open("./sub/../file").ok());
  EXPECT_TRUE(Open("alias", O_RDONLY | O_DIRECTORY).ok());  // symlink that stays inside
  EXPECT_TRUE(Open(".", O_RDONLY | O_DIRECTORY).ok());
  EXPECT_EQ(Open("missing").error, Errno::kNoent);
}

TEST_F(OpenBeneathTest, EscapesAreRefused) {
  const auto before = tree_.SnapshotOutsideSandbox();
  for (const char* path : {"..", "../outside/secret", "sub/../../outside/secret", "abs",
                           "up/secret", "up/new", "proc/etc/passwd"}) {
    const PathStatus s = Open(path, O_RDWR | O_CREAT);
    EXPECT_EQ(s.error, Errno::kNotcapable) << path;
    EXPECT_EQ(s.refusal, PathRefusal::kEscape) << path;
  }
  EXPECT_EQ(Open("/etc/passwd").refusal, PathRefusal::kAbsolute);
  EXPECT_EQ(tree_.SnapshotOutsideSandbox(), before);
  EXPECT_FALSE(tree_.Exists("outside/new"));
}

TEST_F(OpenBeneathTest, LoopsAndNofollow) {
  EXPECT_EQ(Open("loop1").error, Errno::kLoop);
  EXPECT_EQ(Open("loop1").refusal, PathRefusal::kNone);
  // O_NOFOLLOW: a final symlink is ELOOP even when it points inside.
  EXPECT_EQ(Open("alias", O_RDONLY | O_NOFOLLOW).error, Errno::kLoop);
  // ...and a final symlink pointing outside is not followed, so not an escape.
  EXPECT_EQ(Open("abs", O_RDONLY | O_NOFOLLOW).error, Errno::kLoop);
}

TEST(OpenBeneathProcTest, MagicLinksAreRefused) {
  UniqueFd proc(open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(proc.valid());
  for (const char* path : {"self/root/etc/passwd", "self/fd/0", "thread-self/root", "self/cwd"}) {
    UniqueFd fd;
    const PathStatus s = OpenBeneath(proc.get(), path, O_RDONLY, 0, &fd);
    EXPECT_EQ(s.error, Errno::kNotcapable) << path;
    EXPECT_EQ(s.refusal, PathRefusal::kMagicLink) << path;
    EXPECT_FALSE(fd.valid());
  }
  UniqueFd fd;
  EXPECT_TRUE(OpenBeneath(proc.get(), "self/status", O_RDONLY, 0, &fd).ok());  // plain symlink
}

TEST_F(OpenBeneathTest, ParentSplitting) {
  ParentEntry e;
  ASSERT_TRUE(OpenParentBeneath(dir_.get(), "sub/new", &e).ok());
  EXPECT_EQ(e.name, "new");
  EXPECT_TRUE(e.parent.valid());
  EXPECT_EQ(e.kind, EntryKind::kName);

  ParentEntry top;
  ASSERT_TRUE(OpenParentBeneath(dir_.get(), "file", &top).ok());
  EXPECT_FALSE(top.parent.valid());
  EXPECT_EQ(top.dir(), dir_.get());
  EXPECT_EQ(top.name, "file");

  ParentEntry slash;
  ASSERT_TRUE(OpenParentBeneath(dir_.get(), "sub/", &slash).ok());
  EXPECT_EQ(slash.name, "sub/");
  EXPECT_FALSE(slash.parent.valid());

  ParentEntry dotdot;
  ASSERT_TRUE(OpenParentBeneath(dir_.get(), "sub/..", &dotdot).ok());
  EXPECT_EQ(dotdot.kind, EntryKind::kDotDot);

  ParentEntry out;
  EXPECT_EQ(OpenParentBeneath(dir_.get(), "..", &out).refusal, PathRefusal::kEscape);
  EXPECT_EQ(OpenParentBeneath(dir_.get(), "up/secret", &out).refusal, PathRefusal::kEscape);
  EXPECT_EQ(OpenParentBeneath(dir_.get(), "/tmp/x", &out).refusal, PathRefusal::kAbsolute);
}

TEST(JoinHostPathTest, Joins) {
  EXPECT_EQ(JoinHostPath("/srv", "a/b"), "/srv/a/b");
  EXPECT_EQ(JoinHostPath("/srv/", "a"), "/srv/a");
  EXPECT_EQ(JoinHostPath("/srv", "."), "/srv");
  EXPECT_EQ(JoinHostPath("/srv", ""), "/srv");
}

}  // namespace
}  // namespace capsa::caps
