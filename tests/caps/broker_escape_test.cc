// Escape attempts through the real broker: each is refused with ENOTCAPABLE
// (symlink loops: ELOOP), reported as a denial, and leaves everything outside
// the sandbox untouched.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/caps/broker_harness.h"

namespace capsa::caps {
namespace {

using testing::BrokerHarness;
using wasi::Errno;
namespace r = wasi::right;
constexpr wasi::Fd kSandbox = 3;
constexpr wasi::OFlags kCreateTrunc = wasi::oflag::kCreat | wasi::oflag::kTrunc;

class BrokerEscape : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& t = h_.tree();
    ASSERT_EQ(mkdir(t.Path("sandbox/a").c_str(), 0755), 0);
    ASSERT_EQ(symlink(t.Path("outside/secret").c_str(), t.Path("sandbox/abs").c_str()), 0);
    ASSERT_EQ(symlink(t.Path("outside").c_str(), t.Path("sandbox/absdir").c_str()), 0);
    ASSERT_EQ(symlink("../outside", t.Path("sandbox/up").c_str()), 0);
    ASSERT_EQ(symlink("../../outside/secret", t.Path("sandbox/a/deep").c_str()), 0);
    ASSERT_EQ(symlink("/proc/self/root", t.Path("sandbox/procroot").c_str()), 0);
    ASSERT_EQ(symlink("loop2", t.Path("sandbox/loop1").c_str()), 0);
    ASSERT_EQ(symlink("loop1", t.Path("sandbox/loop2").c_str()), 0);
    ASSERT_EQ(symlink("self", t.Path("sandbox/self").c_str()), 0);
    before_ = t.SnapshotOutsideSandbox();
  }

  // Expects a refusal with ENOTCAPABLE and one new denial naming `op` and `path`.
  void ExpectDenied(Errno got, const char* op, const std::string& path,
                    const std::string& handle_guest_path = "/sandbox") {
    EXPECT_EQ(got, Errno::kNotcapable) << op << " " << path;
    const auto denials = h_.sink().denials();
    ASSERT_EQ(denials.size(), ++expected_denials_) << op << " " << path;
    const auto& d = denials.back();
    EXPECT_EQ(d.operation, op);
    // Denials name the full guest path; an absolute path stays as the guest wrote it.
    EXPECT_EQ(d.guest_path, path.front() == '/' ? path : handle_guest_path + "/" + path);
    EXPECT_EQ(d.wasi_errno, static_cast<uint16_t>(Errno::kNotcapable));
    EXPECT_FALSE(d.reason.empty());
    EXPECT_EQ(d.host_path.rfind(h_.tree().Path("sandbox"), 0), 0u) << d.host_path;
    EXPECT_EQ(h_.tree().SnapshotOutsideSandbox(), before_) << op << " " << path;
  }

  BrokerHarness h_;
  std::map<std::string, std::string> before_;
  size_t expected_denials_ = 0;
};

TEST_F(BrokerEscape, PathOpenEscapes) {
  const std::vector<std::string> escapes = {
      "../x",                // .. past the root
      "a/../../x",           // .. past the root after a detour
      "abs",                 // symlink to an absolute path outside
      "absdir/new",          // absolute directory symlink, create through it
      "up/secret",           // relative symlink that climbs out
      "up/new",
      "a/deep",              // climbing symlink one level down
      "procroot/etc/passwd", // /proc/self/root magic link via an inside symlink
      "..",
  };
  wasi::Fd fd = 0;
  for (const std::string& path : escapes) {
    ExpectDenied(h_.Open(kSandbox, path, kCreateTrunc, r::kFdWrite | r::kFdRead, &fd),
                 "path_open", path);
  }
  EXPECT_FALSE(h_.tree().Exists("x"));
  EXPECT_FALSE(h_.tree().Exists("outside/new"));
  EXPECT_EQ(h_.tree().ReadFile("outside/secret"), "top secret\n");
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST_F(BrokerEscape, AbsolutePathsAreNotCapabilities) {
  wasi::Fd fd = 0;
  // Read-only opens only: a regression must not be able to damage the host.
  ExpectDenied(h_.Open(kSandbox, "/etc/passwd", 0, r::kFdRead, &fd), "path_open", "/etc/passwd");
  const std::string proc_fd = "/proc/self/fd/" + std::to_string(h_.memfd());
  ExpectDenied(h_.Open(kSandbox, proc_fd, 0, r::kFdRead, &fd), "path_open", proc_fd);
  const std::string outside_new = h_.tree().Path("outside/created");
  ExpectDenied(h_.Open(kSandbox, outside_new, kCreateTrunc, r::kFdWrite, &fd), "path_open",
               outside_new);
  EXPECT_FALSE(h_.tree().Exists("outside/created"));
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST_F(BrokerEscape, EntryOpsAndStatEscapes) {
  ExpectDenied(h_.client().PathCreateDirectory(kSandbox, "../newdir"), "path_create_directory",
               "../newdir");
  ExpectDenied(h_.client().PathCreateDirectory(kSandbox, "up/newdir"), "path_create_directory",
               "up/newdir");
  ExpectDenied(h_.client().PathUnlinkFile(kSandbox, "up/secret"), "path_unlink_file", "up/secret");
  ExpectDenied(h_.client().PathUnlinkFile(kSandbox, "absdir/secret"), "path_unlink_file",
               "absdir/secret");
  ExpectDenied(h_.client().PathRemoveDirectory(kSandbox, "../outside"), "path_remove_directory",
               "../outside");
  ExpectDenied(h_.client().PathRemoveDirectory(kSandbox, "a/../.."), "path_remove_directory",
               "a/../..");
  wasi::FileStat st{};
  ExpectDenied(h_.client().PathFilestatGet(kSandbox, wasi::lookupflag::kSymlinkFollow, "abs", &st),
               "path_filestat_get", "abs");
  ExpectDenied(h_.client().PathFilestatGet(kSandbox, 0, "../outside/secret", &st),
               "path_filestat_get", "../outside/secret");
  // Not following the final symlink is no escape: the link itself is inside.
  EXPECT_EQ(h_.client().PathFilestatGet(kSandbox, 0, "abs", &st), Errno::kSuccess);
  EXPECT_EQ(st.filetype, wasi::FileType::kSymbolicLink);
  // Unlinking the symlink removes the link, never its target.
  EXPECT_EQ(h_.client().PathUnlinkFile(kSandbox, "abs"), Errno::kSuccess);
  EXPECT_TRUE(h_.tree().Exists("outside/secret"));
  EXPECT_FALSE(h_.tree().Exists("newdir"));
  EXPECT_FALSE(h_.tree().Exists("outside/newdir"));
  EXPECT_EQ(h_.tree().SnapshotOutsideSandbox(), before_);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST_F(BrokerEscape, SymlinkLoopsAreEloop) {
  wasi::Fd fd = 0;
  EXPECT_EQ(h_.Open(kSandbox, "loop1", 0, r::kFdRead, &fd), Errno::kLoop);
  EXPECT_EQ(h_.Open(kSandbox, "self/x", kCreateTrunc, r::kFdWrite, &fd), Errno::kLoop);
  wasi::FileStat st{};
  EXPECT_EQ(h_.client().PathFilestatGet(kSandbox, wasi::lookupflag::kSymlinkFollow, "loop2", &st),
            Errno::kLoop);
  EXPECT_TRUE(h_.sink().denials().empty());  // a loop is an error, not an escape
  EXPECT_EQ(h_.tree().SnapshotOutsideSandbox(), before_);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST_F(BrokerEscape, DerivedHandlesAreConfinedToo) {
  wasi::Fd sub = 0;
  // A directory handle with every right a directory can hold (fd_write on a
  // directory is EISDIR, as on Linux).
  ASSERT_EQ(h_.client().PathOpen(kSandbox, 0, "a", wasi::oflag::kDirectory, r::kAll & ~r::kFdWrite,
                                 r::kAll, 0, &sub),
            Errno::kSuccess);
  wasi::Fd fd = 0;
  // From sandbox/a, "../x" stays inside the sandbox but leaves the handle: refused.
  ExpectDenied(h_.Open(sub, "../x", kCreateTrunc, r::kFdWrite, &fd), "path_open", "../x",
               "/sandbox/a");
  EXPECT_FALSE(h_.tree().Exists("sandbox/x"));
  ExpectDenied(h_.Open(sub, "deep", 0, r::kFdRead, &fd), "path_open", "deep", "/sandbox/a");
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

}  // namespace
}  // namespace capsa::caps
