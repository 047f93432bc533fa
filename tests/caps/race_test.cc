// Rename and symlink-swap races against both resolvers: a host thread keeps
// changing the tree while the guest side (an in-process BrokerClient) opens
// through it in a loop. An escape is a successful open whose fd is the
// outside secret (compared by inode via fd_filestat_get, i.e. an fstat of the
// broker's real fd). EAGAIN is retried. Attempts per test: CAPSA_RACE_ATTEMPTS
// (default 5,000; `ctest -L race` runs 100,000, see tests/caps/CMakeLists.txt).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <thread>

#include "tests/caps/broker_harness.h"

namespace capsa::caps {
namespace {

using testing::BrokerHarness;
using wasi::Errno;
namespace r = wasi::right;
constexpr wasi::Fd kSandbox = 3;
constexpr int kMaxEagainRetries = 100;

// The rename race: sandbox/a/b/c/c/.../c (kDepth c's) and the path
// a/b/c/.../c/../../.../../../secret, which climbs back over every c, then b
// and a, to the decoy sandbox/secret. The walk inside b widens the window in
// which b can move to outside/x/b; a kernel ".." after that move leads to
// outside/secret.
constexpr int kDepth = 16;
void MakeRenameTree(const testing::TempTree& t) {
  std::string dir = t.Path("sandbox/a");
  mkdir(dir.c_str(), 0755);
  dir += "/b";
  mkdir(dir.c_str(), 0755);
  for (int i = 0; i < kDepth; ++i) {
    dir += "/c";
    mkdir(dir.c_str(), 0755);
  }
  mkdir(t.Path("outside/x").c_str(), 0755);
  t.WriteFile("sandbox/secret", "decoy\n");
}
std::string RenamePath() {
  std::string p = "a/b/";
  for (int i = 0; i < kDepth; ++i) p += "c/";
  for (int i = 0; i < kDepth + 2; ++i) p += "../";
  return p + "secret";
}

int Attempts() {
  const char* v = std::getenv("CAPSA_RACE_ATTEMPTS");
  return v != nullptr && std::atoi(v) > 0 ? std::atoi(v) : 5000;
}

struct Tally {
  int attempts = 0, opened = 0, refused = 0, other = 0, eagain = 0, escapes = 0;
};

class Race : public ::testing::TestWithParam<ResolverKind> {
 protected:
  Race()
      : h_({testing::PreopenSpec{"sandbox", "/sandbox", DirRights::ReadWrite()}}, {}, {"prog"},
           {}, GetParam()) {}

  void SetUp() override {
    // 100,000 denials would be 100,000 warning lines; the sink still gets them.
    saved_level_ = spdlog::get_level();
    spdlog::set_level(spdlog::level::err);
    struct stat st;
    ASSERT_EQ(stat(h_.tree().Path("outside/secret").c_str(), &st), 0);
    secret_ino_ = st.st_ino;
  }
  void TearDown() override { spdlog::set_level(saved_level_); }

  // Runs `mutate` in a loop on a host thread while opening `path` Attempts()
  // times; returns the tally and prints it.
  Tally Hammer(const std::string& path, const std::function<void()>& mutate, const char* name) {
    std::atomic<bool> stop{false};
    std::atomic<long> mutations{0};
    std::thread host([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        mutate();
        mutations.fetch_add(1, std::memory_order_relaxed);
      }
    });
    Tally t;
    const auto start = std::chrono::steady_clock::now();
    for (t.attempts = 0; t.attempts < Attempts(); ++t.attempts) {
      wasi::Fd fd = 0;
      Errno e = Errno::kAgain;
      for (int retry = 0; retry < kMaxEagainRetries && e == Errno::kAgain; ++retry) {
        e = h_.Open(kSandbox, path, 0, r::kFdRead | r::kFdFilestatGet, &fd);
        if (e == Errno::kAgain) ++t.eagain;
      }
      if (e == Errno::kSuccess) {
        ++t.opened;
        wasi::FileStat st{};
        EXPECT_EQ(h_.client().FdFilestatGet(fd, &st), Errno::kSuccess);
        if (st.ino == secret_ino_) ++t.escapes;
        EXPECT_EQ(h_.client().FdClose(fd), Errno::kSuccess);
      } else if (e == Errno::kNotcapable) {
        ++t.refused;
      } else {
        ++t.other;
      }
    }
    stop = true;
    host.join();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("race %s [%s]: %d attempts, %d opened inside, %d refused, %d other errors, "
                "%d EAGAIN retried, %ld host mutations, %d escapes, %.1f s\n",
                name, ResolverKindName(GetParam()), t.attempts, t.opened, t.refused, t.other,
                t.eagain, mutations.load(), t.escapes, secs);
    // Every refusal is logged (the sink saw one denial per ENOTCAPABLE).
    EXPECT_EQ(h_.sink().denials().size(), static_cast<size_t>(t.refused));
    return t;
  }

  std::string P(const std::string& rel) { return h_.tree().Path(rel); }

  BrokerHarness h_;
  uint64_t secret_ino_ = 0;
  spdlog::level::level_enum saved_level_ = spdlog::level::info;
};

// sandbox/a/b moves to outside/x/b and back while the guest opens
// RenamePath() (see MakeRenameTree).
TEST_P(Race, DirectoryRenamedOutAndBack) {
  MakeRenameTree(h_.tree());
  const std::string in = P("sandbox/a/b"), out = P("outside/x/b");
  const Tally tally = Hammer(RenamePath(), [&] {
    rename(in.c_str(), out.c_str());
    rename(out.c_str(), in.c_str());
  }, "rename-dir");
  EXPECT_EQ(tally.escapes, 0);
  EXPECT_GT(tally.opened, 0);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

// sandbox/link is exchanged with sandbox/other: one says "file" (inside),
// the other "../outside/secret" (out).
TEST_P(Race, FinalSymlinkSwapped) {
  h_.tree().WriteFile("sandbox/file", "inside\n");
  ASSERT_EQ(symlink("file", P("sandbox/link").c_str()), 0);
  ASSERT_EQ(symlink("../outside/secret", P("sandbox/other").c_str()), 0);
  const std::string a = P("sandbox/link"), b = P("sandbox/other");
  const Tally tally = Hammer("link", [&] {
    renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
  }, "swap-final-symlink");
  EXPECT_EQ(tally.escapes, 0);
  EXPECT_GT(tally.opened, 0);
  EXPECT_GT(tally.refused, 0);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

// sandbox/d (a directory holding a decoy "secret") is exchanged with
// sandbox/d_out, a symlink to the absolute outside directory; the guest
// opens "d/secret".
TEST_P(Race, DirectorySwappedWithSymlinkOut) {
  ASSERT_EQ(mkdir(P("sandbox/d").c_str(), 0755), 0);
  h_.tree().WriteFile("sandbox/d/secret", "decoy\n");
  ASSERT_EQ(symlink(P("outside").c_str(), P("sandbox/d_out").c_str()), 0);
  const std::string a = P("sandbox/d"), b = P("sandbox/d_out");
  const Tally tally = Hammer("d/secret", [&] {
    renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
  }, "swap-dir-symlink");
  EXPECT_EQ(tally.escapes, 0);
  EXPECT_GT(tally.opened, 0);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

INSTANTIATE_TEST_SUITE_P(Resolvers, Race,
                         ::testing::Values(ResolverKind::kOpenat2, ResolverKind::kWalk),
                         [](const auto& info) { return std::string(ResolverKindName(info.param)); });

}  // namespace
}  // namespace capsa::caps

namespace capsa::caps {
namespace {

// Control: the same rename race against a plain openat (no resolver), to show
// that the race above is real on this machine. Reported, not asserted: the
// hit rate depends on scheduling (NOTES.md: 53-1,574 escapes in 200,000;
// with this tree it has stayed at 0 in 100,000 here, so the symlink-swap
// races are the sharper test of the two resolvers).
TEST(RaceControl, PlainOpenatEscapesUnderTheRenameRace) {
  testing::TempTree t;
  MakeRenameTree(t);
  const std::string path = RenamePath();
  struct stat secret;
  ASSERT_EQ(stat(t.Path("outside/secret").c_str(), &secret), 0);
  const int root = open(t.Path("sandbox").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  const std::string in = t.Path("sandbox/a/b"), out = t.Path("outside/x/b");
  std::atomic<bool> stop{false};
  std::thread host([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      rename(in.c_str(), out.c_str());
      rename(out.c_str(), in.c_str());
    }
  });
  int escapes = 0;
  const int attempts = Attempts();
  for (int i = 0; i < attempts; ++i) {
    const int fd = openat(root, path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_ino == secret.st_ino) ++escapes;
    close(fd);
  }
  stop = true;
  host.join();
  close(root);
  std::printf("race control (plain openat, no resolver): %d attempts, %d escapes\n", attempts,
              escapes);
}

}  // namespace
}  // namespace capsa::caps
