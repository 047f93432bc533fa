// The resolver's ENOSYS fallback (caps/path_resolver.h, ResolverKind::kAuto):
// a forked child installs a seccomp filter (libseccomp, test-only) under which
// openat2 answers ENOSYS, as on a pre-5.6 kernel or inside a sandbox whose
// filter does not know the syscall, and then runs real brokers on threads
// (which inherit the filter). With the resolver forced to openat2 every open
// fails with ENOSYS; in auto mode the same opens work because the walk
// resolver took over, escapes are still refused and logged, and
// EffectiveResolver() says kWalk.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/openat2.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <string>

#include "caps/path_resolver.h"
#include "tests/caps/broker_harness.h"

namespace capsa::caps {
namespace {

using testing::BrokerHarness;
using testing::PreopenSpec;
using wasi::Errno;
namespace r = wasi::right;
constexpr wasi::Fd kSandbox = 3;

// The child's exit codes: which check failed.
enum Step : int {
  kAllGood = 0,
  kFilterNotLoaded = 10,
  kOpenat2NotBlocked,
  kStartedOnWalk,
  kForcedOpenat2DidNotFail,
  kForcedOpenat2SetFallback,
  kForcedOpenat2Outcome,
  kAutoOpenFailed,
  kAutoReadWrong,
  kNotOnWalk,
  kAutoDotDotInsideFailed,
  kAutoEscapeNotRefused,
  kAutoDenialsWrong,
  kAutoMkdirFailed,
  kAutoOutcome,
};
const std::map<int, const char*> kStepNames = {
    {kFilterNotLoaded, "the seccomp filter did not load"},
    {kOpenat2NotBlocked, "openat2 did not answer ENOSYS under the filter"},
    {kStartedOnWalk, "EffectiveResolver() was kWalk before any open"},
    {kForcedOpenat2DidNotFail, "resolver=openat2 opened a file although openat2 is blocked"},
    {kForcedOpenat2SetFallback, "resolver=openat2 switched auto mode to the walk"},
    {kForcedOpenat2Outcome, "the resolver=openat2 session did not end cleanly"},
    {kAutoOpenFailed, "resolver=auto could not open sandbox/file"},
    {kAutoReadWrong, "resolver=auto read the wrong bytes"},
    {kNotOnWalk, "EffectiveResolver() is not kWalk after the ENOSYS"},
    {kAutoDotDotInsideFailed, "resolver=auto refused sub/../file (inside)"},
    {kAutoEscapeNotRefused, "resolver=auto did not refuse an escape with ENOTCAPABLE"},
    {kAutoDenialsWrong, "the escapes were not each logged as one denial"},
    {kAutoMkdirFailed, "resolver=auto could not create a directory"},
    {kAutoOutcome, "the resolver=auto session did not end cleanly"},
};

bool BlockOpenat2() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) return false;
  bool ok = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0) == 0;
  ok = ok && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0;
  ok = ok && seccomp_load(ctx) == 0;
  seccomp_release(ctx);
  return ok;
}

void MakeTree(const testing::TempTree& t) {
  t.WriteFile("sandbox/file", "inside\n");
  mkdir(t.Path("sandbox/sub").c_str(), 0755);
  symlink(t.Path("outside").c_str(), t.Path("sandbox/abs").c_str());  // absolute, out
  symlink("../outside", t.Path("sandbox/up").c_str());                 // relative, out
  symlink("sub/../file", t.Path("sandbox/in").c_str());               // stays inside
}

std::vector<PreopenSpec> Sandbox() {
  return {PreopenSpec{"sandbox", "/sandbox", DirRights::ReadWrite()}};
}

Step ForcedOpenat2() {
  BrokerHarness h(Sandbox(), {"prog"}, {}, ResolverKind::kOpenat2);
  MakeTree(h.tree());
  wasi::Fd fd = 0;
  if (h.Open(kSandbox, "file", 0, r::kFdRead, &fd) != Errno::kNosys) {
    return kForcedOpenat2DidNotFail;
  }
  if (EffectiveResolver() != ResolverKind::kOpenat2) return kForcedOpenat2SetFallback;
  if (h.Finish().kind != WorkerOutcome::Kind::kExit) return kForcedOpenat2Outcome;
  return kAllGood;
}

Step AutoFallsBack() {
  BrokerHarness h(Sandbox(), {"prog"}, {}, ResolverKind::kAuto);
  MakeTree(h.tree());
  wasi::Fd fd = 0;
  if (h.Open(kSandbox, "file", 0, r::kFdRead, &fd) != Errno::kSuccess) return kAutoOpenFailed;
  std::string got;
  if (h.Read(fd, 64, &got) != Errno::kSuccess || got != "inside\n") return kAutoReadWrong;
  if (EffectiveResolver() != ResolverKind::kWalk) return kNotOnWalk;
  for (const char* inside : {"sub/../file", "in", "./sub/../in"}) {
    if (h.Open(kSandbox, inside, 0, r::kFdRead, &fd) != Errno::kSuccess) {
      return kAutoDotDotInsideFailed;
    }
  }
  const char* const kEscapes[] = {"../outside/secret", "abs/secret", "up/secret",
                                  "sub/../../outside/secret", "sub/../up/secret"};
  for (const char* escape : kEscapes) {
    if (h.Open(kSandbox, escape, 0, r::kFdRead, &fd) != Errno::kNotcapable) {
      return kAutoEscapeNotRefused;
    }
  }
  if (h.sink().denials().size() != std::size(kEscapes)) return kAutoDenialsWrong;
  // Entry ops resolve the parent through the same resolver.
  if (h.client().PathCreateDirectory(kSandbox, "sub/new") != Errno::kSuccess ||
      !h.tree().Exists("sandbox/sub/new") ||
      h.client().PathCreateDirectory(kSandbox, "up/new") != Errno::kNotcapable ||
      h.tree().Exists("outside/new")) {
    return kAutoMkdirFailed;
  }
  if (h.Finish().kind != WorkerOutcome::Kind::kExit) return kAutoOutcome;
  return kAllGood;
}

[[noreturn]] void Child() {
  unsetenv("CAPSA_RESOLVER");  // kAuto must mean auto, whatever the caller exported
  if (!BlockOpenat2()) _exit(kFilterNotLoaded);
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH;
  if (syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof(how)) != -1 || errno != ENOSYS) {
    _exit(kOpenat2NotBlocked);
  }
  if (EffectiveResolver() != ResolverKind::kOpenat2) _exit(kStartedOnWalk);
  // Forced openat2 first: it must fail and must not flip the process to the walk.
  if (Step s = ForcedOpenat2(); s != kAllGood) _exit(s);
  _exit(AutoFallsBack());
}

TEST(ResolverFallback, AutoWalksWhenOpenat2AnswersEnosys) {
  // This process keeps openat2: the filter and the fallback flag stay in the child.
  ASSERT_EQ(EffectiveResolver(), ResolverKind::kOpenat2) << "openat2 missing on this kernel?";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) Child();
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << WTERMSIG(status);
  const int code = WEXITSTATUS(status);
  EXPECT_EQ(code, kAllGood) << "step " << code << ": "
                            << (kStepNames.contains(code) ? kStepNames.at(code) : "?");
  EXPECT_EQ(EffectiveResolver(), ResolverKind::kOpenat2);
}

}  // namespace
}  // namespace capsa::caps
