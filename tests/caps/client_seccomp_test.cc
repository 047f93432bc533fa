// BrokerClient inside the worker's syscall allowlist: a forked child locks
// itself down with libseccomp (anything else kills it with SIGSYS) and then
// runs a whole session against the real broker in this process.
#include <gtest/gtest.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "tests/caps/broker_harness.h"

namespace capsa::caps {
namespace {

using testing::BrokerHarness;
using wasi::Errno;
namespace r = wasi::right;

// The worker allowlist from the caps brief (socket I/O, memory, futex, exit).
bool LockDown(int sock, int memfd) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
  if (ctx == nullptr) return false;
  bool ok = true;
  for (int nr : {SCMP_SYS(sendmsg), SCMP_SYS(recvmsg), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
                 SCMP_SYS(read), SCMP_SYS(write)}) {
    ok &= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(sock))) == 0;
  }
  for (int nr : {SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(brk), SCMP_SYS(futex),
                 SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn),
                 SCMP_SYS(clock_gettime)}) {
    ok &= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) == 0;
  }
  ok &= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                         SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) == 0;
  ok &= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                         SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) == 0;
  ok &= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ftruncate), 1,
                         SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(memfd))) == 0;
  ok &= prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0;
  ok &= ok && seccomp_load(ctx) == 0;
  seccomp_release(ctx);
  return ok;
}

// Child: exit code says which step failed (0 = all good).
[[noreturn]] void WorkerSession(BrokerHarness& h) {
  BrokerClient& c = h.client();
  if (!LockDown(h.client_socket(), h.memfd())) _exit(100);
  // A Hello of more than one 64 KiB chunk: the blob path's allocations too.
  if (!c.Hello().ok() || c.Args().size() != 2 || c.Args()[1].size() != 70000) _exit(101);
  wasi::Fd fd = 0;
  if (c.PathOpen(3, 0, "out", wasi::oflag::kCreat, r::kFdWrite, 0, 0, &fd) != Errno::kSuccess) {
    _exit(103);
  }
  std::memcpy(h.memory(), "sandboxed", 9);
  const wasi::IoVec iov{0, 9};
  wasi::Size n = 0;
  if (c.FdWrite(fd, {&iov, 1}, &n) != Errno::kSuccess || n != 9) _exit(104);
  std::string name;
  if (c.FdPrestatDirName(3, &name) != Errno::kSuccess || name != "/sandbox") _exit(105);
  wasi::FileStat st{};
  if (c.PathFilestatGet(3, 0, "out", &st) != Errno::kSuccess || st.size != 9) _exit(106);
  wasi::Timestamp t = 0;
  if (c.ClockTimeGet(wasi::ClockId::kMonotonic, 0, &t) != Errno::kSuccess) _exit(107);
  if (c.PathOpen(3, 0, "/etc/passwd", 0, r::kFdRead, 0, 0, &fd) != Errno::kNotcapable) _exit(108);
  if (c.Unsupported("poll_oneoff") != Errno::kNosys) _exit(109);
  c.ReportExit(7);
  _exit(0);
}

TEST(ClientSeccomp, WholeSessionInsideTheWorkerAllowlist) {
  BrokerHarness h({{"sandbox", "/sandbox", DirRights::ReadWrite()}},
                  {"prog", std::string(70000, 'a')});
  // The broker thread is idle (futex wait / poll on the page and socket):
  // safe to fork (no lock held).
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) WorkerSession(h);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_FALSE(WIFSIGNALED(status)) << "worker killed by signal " << WTERMSIG(status)
                                    << " (SIGSYS = a syscall outside the allowlist)";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "failed step " << WEXITSTATUS(status);
  const WorkerOutcome out = h.Disconnect();
  EXPECT_EQ(out.kind, WorkerOutcome::Kind::kExit);
  EXPECT_EQ(out.exit_code, 7u);
  EXPECT_EQ(h.tree().ReadFile("sandbox/out"), "sandboxed");
  EXPECT_EQ(h.sink().denials().size(), 1u);  // /etc/passwd
}

}  // namespace
}  // namespace capsa::caps
