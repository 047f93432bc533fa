// Rename and symlink-swap races against both resolvers: a host thread keeps
// changing the tree while the guest side (an in-process BrokerClient) opens
// through it in a loop. An escape is a successful open whose fd is the
// outside secret (compared by inode via fd_filestat_get, i.e. an fstat of the
// broker's real fd). EAGAIN is retried. Attempts per test: CAPSA_RACE_ATTEMPTS
// (default 5,000; `ctest -L race` runs 100,000, see tests/caps/CMakeLists.txt).
// The exchange races also run a naive resolver (plain openat, written here)
// on the same paths in the same loop and assert that it escapes: proof that
// the attack is live on this machine, so "0 escapes" for capsa means something.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>
#include <thread>

#include "tests/caps/broker_harness.h"

namespace capsa::caps {
namespace {

using testing::BrokerHarness;
using wasi::Errno;
namespace r = wasi::right;
constexpr wasi::Fd kSandbox = 3;
constexpr int kMaxEagainRetries = 100;
constexpr long kMaxExtraControl = 2'000'000;
using Paths = std::vector<std::string>;

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
  // The naive control (Control::kNaiveOpenat): its attempts and escapes.
  long control_attempts = 0, control_escapes = 0;
};

// kNaiveOpenat: after each broker open, the same path is opened by a naive
// resolver written here (plain openat from the preopen's directory, no
// RESOLVE_BENEATH, no walk) under the same host mutations, to show the attack
// really reaches the outside on this machine.
enum class Control : uint8_t { kNone, kNaiveOpenat };

void PinThisThread(int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  sched_setaffinity(0, sizeof(one), &one);  // best effort: an unpinned race still runs
}

// The naive resolver's verdict: did openat from `root_fd` land on the secret?
bool NaiveOpenEscapes(int root_fd, const std::string& path, uint64_t secret_ino) {
  const int fd = openat(root_fd, path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  const bool escaped = fstat(fd, &st) == 0 && st.st_ino == secret_ino;
  close(fd);
  return escaped;
}

class Race : public ::testing::TestWithParam<ResolverKind> {
 protected:
  Race()
      : h_({testing::PreopenSpec{"sandbox", "/sandbox", DirRights::ReadWrite()}}, {"prog"}, {},
           GetParam()) {}

  void SetUp() override {
    // 100,000 denials would be 100,000 warning lines; the sink still gets them.
    saved_level_ = spdlog::get_level();
    spdlog::set_level(spdlog::level::err);
    struct stat st;
    ASSERT_EQ(stat(h_.tree().Path("outside/secret").c_str(), &st), 0);
    secret_ino_ = st.st_ino;
  }
  void TearDown() override { spdlog::set_level(saved_level_); }

  // Runs `mutate` in a loop on a host thread while opening `paths` (in turn)
  // Attempts() times; returns the tally and prints it. With a control, the
  // naive resolver opens the same path after each broker open; if it has not
  // escaped by the end (a scheduler that kept both threads on one core), it
  // goes on alone, still racing the host thread, until it does or
  // kMaxExtraControl attempts / 60 s pass, so the test's `control_escapes > 0`
  // is about the attack, not about luck.
  Tally Hammer(const Paths& paths, const std::function<void()>& mutate,
               const char* name, Control control = Control::kNone) {
    std::atomic<bool> stop{false};
    std::atomic<long> mutations{0};
    // An attacker keeps the mutating thread on its own CPU: the opening side
    // (this thread; the broker thread is free) on the first allowed CPU, the
    // host thread on the second. Without it a busy scheduler may time-share
    // both on one core, and a lookup is then rarely interrupted mid-walk.
    cpu_set_t saved;
    CPU_ZERO(&saved);
    std::vector<int> cpus;
    if (sched_getaffinity(0, sizeof(saved), &saved) == 0) {
      for (int c = 0; c < CPU_SETSIZE; ++c) {
        if (CPU_ISSET(c, &saved)) cpus.push_back(c);
      }
    }
    const bool pin = cpus.size() >= 2;
    if (pin) PinThisThread(cpus[0]);
    std::thread host([&] {
      if (pin) PinThisThread(cpus[1]);
      while (!stop.load(std::memory_order_relaxed)) {
        mutate();
        mutations.fetch_add(1, std::memory_order_relaxed);
      }
    });
    const int naive_root = open(P("sandbox").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    EXPECT_GE(naive_root, 0);
    Tally t;
    const auto start = std::chrono::steady_clock::now();
    for (t.attempts = 0; t.attempts < Attempts(); ++t.attempts) {
      const std::string& path = paths[t.attempts % paths.size()];
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
      if (control == Control::kNaiveOpenat) {
        ++t.control_attempts;
        t.control_escapes += NaiveOpenEscapes(naive_root, path, secret_ino_);
      }
    }
    const long in_loop = t.control_attempts;
    const auto control_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (long i = 0; control == Control::kNaiveOpenat && t.control_escapes == 0 &&
                     i < kMaxExtraControl && std::chrono::steady_clock::now() < control_deadline;
         ++i) {
      ++t.control_attempts;
      t.control_escapes += NaiveOpenEscapes(naive_root, paths[i % paths.size()], secret_ino_);
    }
    stop = true;
    host.join();
    if (pin) sched_setaffinity(0, sizeof(saved), &saved);
    close(naive_root);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("race %s [%s]: %d attempts, %d opened inside, %d refused, %d other errors, "
                "%d EAGAIN retried, %ld host mutations, %d escapes, %.1f s\n",
                name, ResolverKindName(GetParam()), t.attempts, t.opened, t.refused, t.other,
                t.eagain, mutations.load(), t.escapes, secs);
    if (control == Control::kNaiveOpenat) {
      std::printf("race %s [naive openat control]: %ld escapes in %ld attempts (%ld in the "
                  "shared loop, %ld alone after it)\n",
                  name, t.control_escapes, t.control_attempts, in_loop,
                  t.control_attempts - in_loop);
    }
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
  const Tally tally = Hammer(Paths{RenamePath()}, [&] {
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
  const Tally tally = Hammer(Paths{"link"}, [&] {
    renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
  }, "swap-final-symlink");
  EXPECT_EQ(tally.escapes, 0);
  EXPECT_GT(tally.opened, 0);
  EXPECT_GT(tally.refused, 0);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

// sandbox/d (a directory holding a decoy "secret" and c/) is exchanged with
// sandbox/d_out, a symlink to the absolute outside directory (which has a c/
// too); the guest opens "d/secret" and "d/c/../secret". The naive control
// escapes whenever it meets the symlink; capsa's resolvers refuse it
// (EXDEV from openat2, an absolute link in the walk).
TEST_P(Race, DirectorySwappedWithSymlinkOut) {
  ASSERT_EQ(mkdir(P("sandbox/d").c_str(), 0755), 0);
  ASSERT_EQ(mkdir(P("sandbox/d/c").c_str(), 0755), 0);
  ASSERT_EQ(mkdir(P("outside/c").c_str(), 0755), 0);
  h_.tree().WriteFile("sandbox/d/secret", "decoy\n");
  ASSERT_EQ(symlink(P("outside").c_str(), P("sandbox/d_out").c_str()), 0);
  const std::string a = P("sandbox/d"), b = P("sandbox/d_out");
  const Tally tally = Hammer(Paths{"d/secret", "d/c/../secret"}, [&] {
    renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
  }, "swap-dir-symlink", Control::kNaiveOpenat);
  EXPECT_EQ(tally.escapes, 0);
  EXPECT_GT(tally.opened, 0);
  EXPECT_GT(tally.refused, 0);
  EXPECT_GT(tally.control_escapes, 0) << "the attack never worked: the test proves nothing";
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

// The ".." race that bites: sandbox/sub and outside/sub, two directories of
// the same shape (sub/c/c/.../c, kDepth deep) in a common parent, are swapped
// atomically with renameat2(RENAME_EXCHANGE) in a loop, so the tree is never
// half-way (no ENOENT) and the directory the lookup is standing in keeps
// moving between inside and outside. The guest climbs back out of sub with
// "..": a resolver that hands ".." to the kernel after the directory it
// entered as sandbox/sub moved to outside/sub climbs into outside/ and opens
// outside/secret (never inside the preopen; sandbox/secret is the decoy it
// must get instead). Plain openat escapes here (the control, asserted);
// openat2 (RESOLVE_BENEATH: EAGAIN on a rename during "..", then EXDEV) and
// the walk (".." pops its own stack of fds) must not.
TEST_P(Race, DirectoryExchangedWithOutsideDirectory) {
  for (const char* top : {"sandbox/sub", "outside/sub"}) {
    std::string dir = P(top);
    ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
    for (int i = 0; i < kDepth; ++i) {
      dir += "/c";
      ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
    }
  }
  h_.tree().WriteFile("sandbox/secret", "decoy\n");
  std::string deep = "sub/";
  for (int i = 0; i < kDepth; ++i) deep += "c/";
  for (int i = 0; i < kDepth + 1; ++i) deep += "../";
  deep += "secret";
  const std::string a = P("sandbox/sub"), b = P("outside/sub");
  const Tally tally = Hammer(Paths{deep, "sub/c/../../secret", "sub/../secret"}, [&] {
    renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
  }, "exchange-dir-outside", Control::kNaiveOpenat);
  EXPECT_EQ(tally.escapes, 0);
  EXPECT_GT(tally.opened, 0);
  EXPECT_GT(tally.control_escapes, 0) << "the attack never worked: the test proves nothing";
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

INSTANTIATE_TEST_SUITE_P(Resolvers, Race,
                         ::testing::Values(ResolverKind::kOpenat2, ResolverKind::kWalk),
                         [](const auto& info) { return std::string(ResolverKindName(info.param)); });

}  // namespace
}  // namespace capsa::caps

namespace capsa::caps {
namespace {

// Control: the same rename race against a plain openat (no resolver).
// Reported, not asserted: with two plain renames it has stayed at 0 escapes in
// 100,000 here, so it proves little. The races that bite are the
// RENAME_EXCHANGE ones above (DirectoryExchangedWithOutsideDirectory,
// DirectorySwappedWithSymlinkOut), whose naive-openat control runs in the
// same loop and is asserted to escape.
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
