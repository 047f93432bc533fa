// The escape corpus (tests/caps/escape_corpus.h) through the real broker, once
// per resolver. Every case: the expected errno; a denial event for each
// ENOTCAPABLE (and none otherwise); nothing outside the sandbox changed; and
// no successful open whose fd is the outside secret (by inode), except the
// host-made hard link, which is that inode by definition.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/caps/broker_harness.h"
#include "tests/caps/escape_corpus.h"

namespace capsa::caps {
namespace {

using testing::BrokerHarness;
using testing::CorpusCase;
using testing::CorpusOp;
using testing::Outside;
using wasi::Errno;
namespace r = wasi::right;
constexpr wasi::Fd kSandbox = 3;

class EscapeCorpus : public ::testing::TestWithParam<ResolverKind> {
 protected:
  EscapeCorpus()
      : h_({testing::PreopenSpec{"sandbox", "/sandbox", DirRights::ReadWrite()}}, {"prog"}, {},
           GetParam()) {}

  // Runs one case; returns the errno and sets *escaped when an opened fd is
  // the outside secret.
  Errno Run(const CorpusCase& c, bool* escaped) {
    wasi::Fd fd = 0;
    Errno e = Errno::kSuccess;
    const wasi::LookupFlags follow = wasi::lookupflag::kSymlinkFollow;
    wasi::FileStat st{};
    switch (c.op) {
      case CorpusOp::kOpenRead:
        e = h_.Open(kSandbox, c.path, 0, r::kFdRead | r::kFdFilestatGet, &fd);
        break;
      case CorpusOp::kOpenReadNoFollow:
        e = h_.Open(kSandbox, c.path, 0, r::kFdRead | r::kFdFilestatGet, &fd, 0);
        break;
      case CorpusOp::kOpenDir:
        e = h_.Open(kSandbox, c.path, wasi::oflag::kDirectory, r::kFdFilestatGet, &fd);
        break;
      case CorpusOp::kOpenCreate:
        e = h_.Open(kSandbox, c.path, wasi::oflag::kCreat | wasi::oflag::kTrunc,
                    r::kFdWrite | r::kFdFilestatGet, &fd);
        break;
      case CorpusOp::kOpenCreateExcl:
        e = h_.Open(kSandbox, c.path, wasi::oflag::kCreat | wasi::oflag::kExcl,
                    r::kFdWrite | r::kFdFilestatGet, &fd);
        break;
      case CorpusOp::kStat:
        e = h_.client().PathFilestatGet(kSandbox, follow, c.path, &st);
        *escaped = e == Errno::kSuccess && st.ino == secret_ino_;
        return e;
      case CorpusOp::kStatNoFollow:
        e = h_.client().PathFilestatGet(kSandbox, 0, c.path, &st);
        *escaped = e == Errno::kSuccess && st.ino == secret_ino_;
        return e;
      case CorpusOp::kMkdir: return h_.client().PathCreateDirectory(kSandbox, c.path);
      case CorpusOp::kUnlink: return h_.client().PathUnlinkFile(kSandbox, c.path);
      case CorpusOp::kRmdir: return h_.client().PathRemoveDirectory(kSandbox, c.path);
    }
    if (e != Errno::kSuccess) return e;
    EXPECT_EQ(h_.client().FdFilestatGet(fd, &st), Errno::kSuccess);
    *escaped = st.ino == secret_ino_ && c.outside != Outside::kHardLinkIsInside;
    if (c.op == CorpusOp::kOpenRead && !c.content.empty()) {
      std::string got;
      EXPECT_EQ(h_.Read(fd, 256, &got), Errno::kSuccess);
      EXPECT_EQ(got, c.content) << c.path;
    }
    EXPECT_EQ(h_.client().FdClose(fd), Errno::kSuccess);
    return e;
  }

  void SetUp() override {
    testing::BuildEscapeFixture(h_.tree());
    struct stat st;
    ASSERT_EQ(stat(h_.tree().Path("outside/secret").c_str(), &st), 0);
    secret_ino_ = st.st_ino;
  }

  BrokerHarness h_;
  uint64_t secret_ino_ = 0;
};

// The path for a failure message: NUL shown as \0, long paths cut.
std::string Shown(const std::string& path) {
  std::string out;
  for (size_t i = 0; i < path.size() && i < 60; ++i) out += path[i] == '\0' ? "\\0" : std::string(1, path[i]);
  if (path.size() > 60) out += "...(" + std::to_string(path.size()) + " bytes)";
  return out;
}

TEST_P(EscapeCorpus, EveryCaseAnswersAsExpected) {
  const auto before = h_.tree().SnapshotOutsideSandbox();
  const std::vector<CorpusCase> corpus = testing::EscapeCorpus();
  size_t refusals = 0, escapes = 0;
  for (const CorpusCase& c : corpus) {
    SCOPED_TRACE(std::string(testing::CorpusOpName(c.op)) + " '" + Shown(c.path) + "'");
    const size_t denials_before = h_.sink().denials().size();
    bool escaped = false;
    const Errno got = Run(c, &escaped);
    EXPECT_EQ(got, c.error);
    EXPECT_FALSE(escaped);
    escapes += escaped;
    const auto denials = h_.sink().denials();
    if (c.error == Errno::kNotcapable) {
      ++refusals;
      EXPECT_EQ(denials.size(), denials_before + 1) << "a refusal must be logged";
      if (denials.size() != denials_before + 1) continue;
      // The event names the path as the guest sees it: preopen name + path.
      EXPECT_TRUE(denials.back().guest_path.ends_with(c.path)) << denials.back().guest_path;
      EXPECT_EQ(denials.back().wasi_errno, static_cast<uint16_t>(Errno::kNotcapable));
      EXPECT_FALSE(denials.back().reason.empty());
    } else {
      EXPECT_EQ(denials.size(), denials_before) << "only escapes are denials";
    }
    EXPECT_EQ(h_.tree().SnapshotOutsideSandbox(), before);
  }
  EXPECT_FALSE(h_.tree().Exists("outside/created"));
  EXPECT_EQ(h_.tree().ReadFile("outside/secret"), "top secret\n");
  std::printf("escape corpus [%s]: %zu cases, %zu refusals, %zu escapes\n",
              ResolverKindName(GetParam()), corpus.size(), refusals, escapes);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

// path_link cannot make a hard link to an outside file: the source resolves
// beneath its handle like every path, and a final symlink is linked itself
// (never its target; following is refused).
TEST_P(EscapeCorpus, PathLinkSourceMustResolveBeneath) {
  auto& c = h_.client();
  for (const std::string src : {"../outside/secret", "up/secret", "abs_dir/secret",
                                "dir/../../outside/secret", "proc_self/fd/0"}) {
    EXPECT_EQ(c.PathLink(kSandbox, 0, src, kSandbox, "stolen"), Errno::kNotcapable) << src;
    EXPECT_FALSE(h_.tree().Exists("sandbox/stolen")) << src;
  }
  EXPECT_EQ(h_.sink().denials().size(), 5u);
  EXPECT_EQ(c.PathLink(kSandbox, wasi::lookupflag::kSymlinkFollow, "up_secret", kSandbox,
                       "stolen"),
            Errno::kInval);
  // Linking the symlink itself is allowed and harmless: the new name is a
  // symlink the resolver refuses to follow out.
  ASSERT_EQ(c.PathLink(kSandbox, 0, "up_secret", kSandbox, "stolen"), Errno::kSuccess);
  struct stat st;
  ASSERT_EQ(lstat(h_.tree().Path("sandbox/stolen").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_NE(st.st_ino, secret_ino_);
  wasi::Fd fd = 0;
  EXPECT_EQ(h_.Open(kSandbox, "stolen", 0, r::kFdRead, &fd), Errno::kNotcapable);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

// Magic links met directly (a preopen of /proc/self, read-only): both
// resolvers refuse to cross them, whatever the path around them.
TEST_P(EscapeCorpus, ProcMagicLinksBeneathAProcPreopen) {
  BrokerHarness proc({testing::PreopenSpec{"/proc/self", "/self", DirRights::ReadOnly()}},
                     {"prog"}, {}, GetParam());
  for (const std::string path : {"root/etc/passwd", "root", "cwd", "cwd/x", "exe", "fd/0",
                                 "fd/1", "fd/../root/etc"}) {
    wasi::Fd fd = 0;
    EXPECT_EQ(proc.Open(3, path, 0, r::kFdRead, &fd), Errno::kNotcapable) << path;
    wasi::FileStat st{};
    EXPECT_EQ(proc.client().PathFilestatGet(3, wasi::lookupflag::kSymlinkFollow, path, &st),
              Errno::kNotcapable)
        << path;
  }
  EXPECT_EQ(proc.sink().denials().size(), 16u);
  EXPECT_EQ(proc.Finish().kind, WorkerOutcome::Kind::kExit);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

INSTANTIATE_TEST_SUITE_P(Resolvers, EscapeCorpus,
                         ::testing::Values(ResolverKind::kOpenat2, ResolverKind::kWalk),
                         [](const auto& info) { return std::string(ResolverKindName(info.param)); });

}  // namespace
}  // namespace capsa::caps
