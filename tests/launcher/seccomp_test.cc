// The worker's lockdown, exercised in forked children of the test: what the
// allowlist permits keeps working, everything else kills with SIGSYS.
#include "launcher/seccomp_policy.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>

#include "launcher/fds.h"
#include "launcher/worker.h"

namespace capsa::launcher {
namespace {

struct Status {
  bool exited = false;
  int code = -1;  // exit status or signal
};

// Forks; the child locks down exactly like the worker (socket → 3, memfd → 4)
// and runs `body` after lockdown, exiting with its return value.
Status RunLockedDown(const std::function<int()>& body,
                     uint64_t max_memory = kDefaultMaxMemoryBytes) {
  int sv[2];
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  Result<UniqueFd> memfd = CreateGuestMemfd();
  EXPECT_TRUE(memfd.ok());
  fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    if (LockDownWorker(sv[1], memfd->get(), max_memory) != LockdownStage::kDone) _exit(99);
    _exit(body());
  }
  close(sv[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  close(sv[0]);
  Status s;
  s.exited = WIFEXITED(status);
  s.code = s.exited ? WEXITSTATUS(status) : WTERMSIG(status);
  return s;
}

void ExpectKilledBySigsys(const char* what, const std::function<int()>& body) {
  Status s = RunLockedDown(body);
  EXPECT_FALSE(s.exited) << what << " returned " << s.code << " instead of being killed";
  EXPECT_EQ(s.code, SIGSYS) << what;
}

TEST(WorkerSeccomp, PfcListsTheAllowlistAndKillsByDefault) {
  Result<std::string> pfc = WorkerFilterPfc({3, 4, 1234});
  ASSERT_TRUE(pfc.ok()) << pfc.error().message;
  const std::string& text = pfc.value();
  for (const char* name :
       {"recvmsg", "sendmsg", "read", "write", "recvfrom", "sendto", "mmap", "mprotect", "munmap",
        "mremap", "madvise", "brk", "ftruncate", "newfstatat", "fstat", "rt_sigreturn",
        "rt_sigprocmask", "futex", "restart_syscall", "clock_gettime", "getrandom", "getpid",
        "gettid", "tgkill", "exit", "exit_group"}) {
    EXPECT_NE(text.find(std::string("# filter for syscall \"") + name + "\""), std::string::npos)
        << name << " missing:\n" << text;
  }
  for (const char* name : {"\"open\"", "\"openat\"", "\"execve\"", "\"socket\"", "\"connect\"",
                           "\"ptrace\"", "\"kill\"", "\"clone\"", "\"fork\"", "\"ioctl\""}) {
    EXPECT_EQ(text.find(std::string("# filter for syscall ") + name), std::string::npos) << name;
  }
  EXPECT_NE(text.find("  # default action\n  action KILL_PROCESS;"), std::string::npos) << text;
  EXPECT_NE(text.find("# invalid architecture action\naction KILL_PROCESS;"), std::string::npos);
  EXPECT_NE(text.find("action TRAP;"), std::string::npos);  // the fstat emulation
}

// Any change to the allowlist shows up as a reviewed diff of this file.
// Regenerate: CAPSA_UPDATE_GOLDEN=1 launcher_test --gtest_filter='*Golden*'
TEST(WorkerSeccomp, MatchesGoldenPfc) {
  Result<std::string> pfc = WorkerFilterPfc({3, 4, 1234});
  ASSERT_TRUE(pfc.ok());
  const std::string path = CAPSA_GOLDEN_DIR "/worker_seccomp.pfc";
  if (std::getenv("CAPSA_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << pfc.value();
  }
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << path;
  std::string golden((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(pfc.value(), golden);
}

TEST(WorkerSeccomp, RejectsIncompleteSpec) {
  EXPECT_FALSE(WorkerFilterPfc({-1, 4, 1}).ok());
  EXPECT_FALSE(WorkerFilterPfc({3, -1, 1}).ok());
  EXPECT_FALSE(WorkerFilterPfc({3, 4, 0}).ok());
}

TEST(WorkerLockdown, AllowedOperationsKeepWorking) {
  Status s = RunLockedDown([] {
    // malloc, large and small (brk and mmap), realloc (mremap).
    void* small = malloc(100);
    void* big = malloc(64 << 20);
    if (small == nullptr || big == nullptr) return 10;
    big = realloc(big, 128 << 20);
    if (big == nullptr) return 11;
    static_cast<char*>(big)[(128 << 20) - 1] = 1;
    free(big);
    free(small);
    // The engine's linear memory: reserve, grow the memfd, map it shared.
    void* res = mmap(nullptr, 1 << 30, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                     -1, 0);
    if (res == MAP_FAILED) return 12;
    struct stat st;
    if (fstat(kWorkerMemfd, &st) != 0 || st.st_size != 0) return 13;  // emulated via SIGSYS
    if (ftruncate(kWorkerMemfd, 65536) != 0) return 14;
    if (mmap(res, 65536, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, kWorkerMemfd, 0) ==
        MAP_FAILED) {
      return 15;
    }
    static_cast<char*>(res)[0] = 42;
    if (mprotect(static_cast<char*>(res) + 65536, 65536, PROT_READ | PROT_WRITE) != 0) return 16;
    if (munmap(res, 1 << 30) != 0) return 17;
    // Sealed against shrinking: the worker cannot pull pages from under the broker.
    if (ftruncate(kWorkerMemfd, 0) == 0) return 18;
    // The socket.
    if (write(kWorkerSocketFd, "hi", 2) != 2) return 19;
    if (send(kWorkerSocketFd, "hi", 2, MSG_NOSIGNAL) != 2) return 20;
    timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 21;
    return 0;
  });
  EXPECT_TRUE(s.exited) << "killed by signal " << s.code;
  EXPECT_EQ(s.code, 0);
}

TEST(WorkerLockdown, ForbiddenOperationsKill) {
  ExpectKilledBySigsys("open", [] { return open("/etc/passwd", O_RDONLY) >= 0 ? 1 : 2; });
  ExpectKilledBySigsys("write to stdout", [] { return write(1, "x", 1) == 1 ? 1 : 2; });
  ExpectKilledBySigsys("write to the memfd", [] { return write(kWorkerMemfd, "x", 1) ? 1 : 2; });
  ExpectKilledBySigsys("stat a path", [] {
    struct stat st;
    return stat("/etc/passwd", &st) == 0 ? 1 : 2;
  });
  ExpectKilledBySigsys("fstatat memfd with a path", [] {
    struct stat st;
    return fstatat(kWorkerMemfd, "/etc/passwd", &st, AT_EMPTY_PATH) == 0 ? 1 : 2;
  });
  ExpectKilledBySigsys("fstat the socket", [] {
    struct stat st;
    return fstat(kWorkerSocketFd, &st) == 0 ? 1 : 2;
  });
  ExpectKilledBySigsys("mmap exec", [] {
    return mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) !=
                   MAP_FAILED ? 1 : 2;
  });
  ExpectKilledBySigsys("mprotect exec", [] {
    void* p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return mprotect(p, 4096, PROT_READ | PROT_EXEC) == 0 ? 1 : 2;
  });
  ExpectKilledBySigsys("mmap the socket", [] {
    return mmap(nullptr, 4096, PROT_READ, MAP_SHARED, kWorkerSocketFd, 0) != MAP_FAILED ? 1 : 2;
  });
  ExpectKilledBySigsys("ftruncate another fd", [] { return ftruncate(kWorkerSocketFd, 0) ? 1 : 2; });
  ExpectKilledBySigsys("socket", [] { return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 1 : 2; });
  ExpectKilledBySigsys("fork", [] { return fork() >= 0 ? 1 : 2; });
  ExpectKilledBySigsys("kill parent", [] { return kill(getppid(), 0) == 0 ? 1 : 2; });
  ExpectKilledBySigsys("raise SIGUSR1 (only SIGABRT may be sent)", [] {
    return raise(SIGUSR1) == 0 ? 1 : 2;
  });
  ExpectKilledBySigsys("prctl", [] { return prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0) ? 1 : 2; });
  ExpectKilledBySigsys("execve", [] {
    char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
    execve("/bin/true", argv, nullptr);
    return 2;
  });
}

TEST(WorkerLockdown, KernelCapsTheMemfdAtMaxMemory) {
  const uint64_t limit = 1 << 20;
  Status within = RunLockedDown([] { return ftruncate(kWorkerMemfd, 1 << 20) == 0 ? 0 : 1; }, limit);
  EXPECT_TRUE(within.exited);
  EXPECT_EQ(within.code, 0);
  Status beyond = RunLockedDown([] { return ftruncate(kWorkerMemfd, (1 << 20) + 65536) ? 2 : 3; },
                                limit);
  EXPECT_FALSE(beyond.exited);
  EXPECT_EQ(beyond.code, SIGXFSZ);
}

TEST(WorkerLockdown, AbortIsACrashNotAViolation) {
  Status s = RunLockedDown([]() -> int { abort(); });
  EXPECT_FALSE(s.exited);
  EXPECT_EQ(s.code, SIGABRT);
}

}  // namespace
}  // namespace capsa::launcher
