// The worker's lockdown, exercised in forked children of the test: what the
// allowlist permits keeps working, everything else kills with SIGSYS.
#include "launcher/seccomp_policy.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include "launcher/broker_sandbox.h"
#include "launcher/fds.h"
#include "launcher/forensics.h"
#include "launcher/landlock.h"
#include "launcher/namespaces.h"
#include "launcher/worker.h"

namespace capsa::launcher {
namespace {

struct Status {
  bool exited = false;
  int code = -1;  // exit status or signal
};

// Forks; the child locks down exactly like the worker (socket → 3, memfd → 4)
// and runs `body` after lockdown, exiting with its return value.
// `forensics` receives what the worker wrote to its forensics pipe.
// `stop_before` ends lockdown early so a test can look at one layer.
Status RunLockedDown(const std::function<int()>& body,
                     uint64_t max_memory = kDefaultMaxMemoryBytes,
                     std::string* forensics = nullptr,
                     LockdownStage stop_before = LockdownStage::kDone,
                     std::optional<uint64_t> cpu_seconds = std::nullopt) {
  int sv[2];
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  int fp[2];
  EXPECT_EQ(pipe2(fp, O_CLOEXEC | O_NONBLOCK), 0);
  Result<UniqueFd> memfd = CreateGuestMemfd();
  EXPECT_TRUE(memfd.ok());
  fflush(nullptr);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(98);
    WorkerLockdownSpec spec;
    spec.socket_fd = sv[1];
    spec.memfd = memfd->get();
    spec.forensics_fd = fp[1];
    spec.max_memory_bytes = max_memory;
    spec.cpu_seconds = cpu_seconds;
    spec.stop_before = stop_before;
    if (LockDownWorker(spec).failed != LockdownStage::kDone) _exit(99);
    _exit(body());
  }
  close(sv[1]);
  close(fp[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  close(sv[0]);
  char buf[4096];
  ssize_t n;
  while ((n = read(fp[0], buf, sizeof buf)) > 0) {
    if (forensics != nullptr) forensics->append(buf, static_cast<size_t>(n));
  }
  close(fp[0]);
  Status s;
  s.exited = WIFEXITED(status);
  s.code = s.exited ? WEXITSTATUS(status) : WTERMSIG(status);
  return s;
}

// Killed by SIGSYS after the handler reported `syscall` (forensics.h).
void ExpectKilledBySigsys(const char* what, const std::function<int()>& body,
                          const char* syscall = nullptr) {
  std::string report;
  Status s = RunLockedDown(body, kDefaultMaxMemoryBytes, &report);
  EXPECT_FALSE(s.exited) << what << " returned " << s.code << " instead of being killed";
  EXPECT_EQ(s.code, SIGSYS) << what;
  std::optional<Violation> v = ParseViolation(report);
  ASSERT_TRUE(v.has_value()) << what << ": no forensics report";
  if (syscall != nullptr) {
    EXPECT_EQ(SyscallName(v->report), syscall) << what;
  }
  EXPECT_FALSE(v->code.empty()) << what;
  EXPECT_GE(v->report.ip, v->report.code_addr) << what;
}

TEST(WorkerSeccomp, PfcListsTheAllowlistAndKillsByDefault) {
  Result<std::string> pfc = WorkerFilterPfc({3, 4, 5, 1234});
  ASSERT_TRUE(pfc.ok()) << pfc.error().message;
  const std::string& text = pfc.value();
  for (const char* name :
       {"recvmsg", "sendmsg", "read", "write", "recvfrom", "sendto", "mmap", "mprotect", "munmap",
        "mremap", "madvise", "brk", "ftruncate", "fstat", "rt_sigreturn",
        "rt_sigprocmask", "futex", "restart_syscall", "clock_gettime", "getrandom", "getpid",
        "gettid", "tgkill", "exit", "exit_group"}) {
    EXPECT_NE(text.find(std::string("# filter for syscall \"") + name + "\""), std::string::npos)
        << name << " missing:\n" << text;
  }
  for (const char* name : {"\"open\"", "\"openat\"", "\"execve\"", "\"socket\"", "\"connect\"",
                           "\"ptrace\"", "\"kill\"", "\"clone\"", "\"fork\"", "\"ioctl\""}) {
    EXPECT_EQ(text.find(std::string("# filter for syscall ") + name), std::string::npos) << name;
  }
  EXPECT_NE(text.find("  # default action\n  action TRAP;"), std::string::npos) << text;
  EXPECT_NE(text.find("# invalid architecture action\naction TRAP;"), std::string::npos);
  EXPECT_EQ(text.find("action KILL"), std::string::npos);  // every violation is reported
}

// Any change to the allowlist shows up as a reviewed diff of this file.
// Regenerate: CAPSA_UPDATE_GOLDEN=1 launcher_test --gtest_filter='*Golden*'
TEST(WorkerSeccomp, MatchesGoldenPfc) {
  Result<std::string> pfc = WorkerFilterPfc({3, 4, 5, 1234});
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
  EXPECT_FALSE(WorkerFilterPfc({-1, 4, 5, 1}).ok());
  EXPECT_FALSE(WorkerFilterPfc({3, -1, 5, 1}).ok());
  EXPECT_FALSE(WorkerFilterPfc({3, 4, -1, 1}).ok());
  EXPECT_FALSE(WorkerFilterPfc({3, 4, 5, 0}).ok());
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

TEST(WorkerLockdown, ForbiddenOperationsTrapReportAndKill) {
  ExpectKilledBySigsys("open", [] { return open("/etc/passwd", O_RDONLY) >= 0 ? 1 : 2; }, "openat");
  ExpectKilledBySigsys("write to stdout", [] { return write(1, "x", 1) == 1 ? 1 : 2; }, "write");
  ExpectKilledBySigsys("write to the memfd", [] { return write(kWorkerMemfd, "x", 1) ? 1 : 2; },
                       "write");
  ExpectKilledBySigsys("stat a path", [] {
    struct stat st;
    return stat("/etc/passwd", &st) == 0 ? 1 : 2;
  }, "newfstatat");
  ExpectKilledBySigsys("fstatat memfd with a path", [] {
    struct stat st;
    return fstatat(kWorkerMemfd, "/etc/passwd", &st, AT_EMPTY_PATH) == 0 ? 1 : 2;
  }, "newfstatat");
  ExpectKilledBySigsys("fstat the socket", [] {
    struct stat st;
    return fstat(kWorkerSocketFd, &st) == 0 ? 1 : 2;
  }, "newfstatat");
  ExpectKilledBySigsys("mmap exec", [] {
    return mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) !=
                   MAP_FAILED ? 1 : 2;
  }, "mmap");
  ExpectKilledBySigsys("mprotect exec", [] {
    void* p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return mprotect(p, 4096, PROT_READ | PROT_EXEC) == 0 ? 1 : 2;
  }, "mprotect");
  ExpectKilledBySigsys("mmap the socket", [] {
    return mmap(nullptr, 4096, PROT_READ, MAP_SHARED, kWorkerSocketFd, 0) != MAP_FAILED ? 1 : 2;
  }, "mmap");
  ExpectKilledBySigsys("ftruncate another fd", [] { return ftruncate(kWorkerSocketFd, 0) ? 1 : 2; },
                       "ftruncate");
  ExpectKilledBySigsys("socket", [] { return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 1 : 2; },
                       "socket");
  ExpectKilledBySigsys("fork", [] { return fork() >= 0 ? 1 : 2; }, "clone");
  const pid_t test_pid = getpid();  // getppid() itself is not allowed
  ExpectKilledBySigsys("kill parent", [test_pid] { return kill(test_pid, 0) == 0 ? 1 : 2; },
                       "kill");
  ExpectKilledBySigsys("raise SIGUSR1 (only SIGABRT may be sent)", [] {
    return raise(SIGUSR1) == 0 ? 1 : 2;
  }, "tgkill");
  // The pid operand is the one value written into the precompiled program at
  // start-up (seccomp_policy.cc): SIGABRT, the allowed signal, to any process
  // but the worker itself must still trap. The target is a sacrificial child,
  // so a filter that let it through fails this test without killing the run.
  const pid_t target = fork();
  if (target == 0) {
    pause();
    _exit(0);
  }
  ASSERT_GT(target, 0);
  ExpectKilledBySigsys("SIGABRT to another process (only to itself)", [target] {
    return syscall(SYS_tgkill, target, target, SIGABRT) == 0 ? 1 : 2;
  }, "tgkill");
  int target_status = 0;
  kill(target, SIGKILL);
  ASSERT_EQ(waitpid(target, &target_status, 0), target);
  EXPECT_TRUE(WIFSIGNALED(target_status) && WTERMSIG(target_status) == SIGKILL)
      << "the sacrificial child was signalled by the locked-down worker";
  ExpectKilledBySigsys("prctl", [] { return prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0) ? 1 : 2; },
                       "prctl");
  ExpectKilledBySigsys("execve", [] {
    char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
    execve("/bin/true", argv, nullptr);
    return 2;
  }, "execve");
}

TEST(WorkerLockdown, ForeignAbiTrapsToo) {
  // The i386 ABI traps too and is named from its own table — where the
  // kernel offers it at all (ia32_emulation=0 turns int 0x80 into SIGSEGV).
  std::string report;
  Status s = RunLockedDown([] {
    long ret;
    asm volatile("int $0x80" : "=a"(ret) : "a"(20) : "memory");
    return ret > 0 ? 1 : 2;
  }, kDefaultMaxMemoryBytes, &report);
  EXPECT_FALSE(s.exited);
  if (s.code == SIGSEGV) GTEST_SKIP() << "no IA-32 emulation in this kernel";
  EXPECT_EQ(s.code, SIGSYS);
  std::optional<Violation> v = ParseViolation(report);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(SyscallName(v->report), "getpid (i386 ABI)");
}

TEST(WorkerLockdown, SecondViolationInsideTheHandlerStillKills) {
  // SIGSYS blocked by the guest itself: no handler, no report, still SIGSYS.
  std::string report;
  Status s = RunLockedDown([] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGSYS);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    return open("/etc/passwd", O_RDONLY) >= 0 ? 1 : 2;
  }, kDefaultMaxMemoryBytes, &report);
  EXPECT_FALSE(s.exited);
  EXPECT_EQ(s.code, SIGSYS);
  EXPECT_FALSE(ParseViolation(report).has_value());
}

TEST(WorkerLockdown, ForensicsDisassemblesTheTrappingInstruction) {
  std::string report;
  RunLockedDown([] { return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 1 : 2; },
                kDefaultMaxMemoryBytes, &report);
  std::optional<Violation> v = ParseViolation(report);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->report.args[0], static_cast<uint64_t>(AF_INET));
  std::vector<std::string> lines = DescribeViolation(*v);
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[0].rfind("sandbox violation: worker called socket(0x2, 0x1, 0x0", 0), 0u)
      << lines[0];
  std::string all;
  for (const std::string& l : lines) all += l + "\n";
  EXPECT_NE(all.find("  > 0x"), std::string::npos) << all;
  EXPECT_NE(all.find(": syscall\n"), std::string::npos) << all;
  EXPECT_NE(all.find("byte scan: syscall at 0x"), std::string::npos) << all;
}

TEST(Forensics, ParseIsHostileInputSafe) {
  EXPECT_FALSE(ParseViolation("").has_value());
  EXPECT_FALSE(ParseViolation(std::string(100, 'x')).has_value());
  ViolationReport r;
  r.nr = 2;
  r.code_len = 9999;  // more than the window: refused
  std::string bytes(reinterpret_cast<const char*>(&r), sizeof r);
  EXPECT_FALSE(ParseViolation(bytes).has_value());
  r.code_len = 4;
  bytes = std::string(reinterpret_cast<const char*>(&r), sizeof r) + "\x0f\x05";  // 2 of 4 arrived
  std::optional<Violation> v = ParseViolation("junk" + bytes);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->code.size(), 2u);
  EXPECT_EQ(SyscallName(v->report), "open");
}

TEST(Forensics, ByteScanFindsHiddenSyscalls) {
  // mov eax, 0x050f (the 0f 05 hides inside the immediate), int 0x80, sysenter.
  const std::vector<uint8_t> code = {0xb8, 0x0f, 0x05, 0x00, 0x00, 0xcd, 0x80, 0x0f, 0x34};
  std::vector<SyscallSite> sites = ScanForSyscallInstructions(code);
  ASSERT_EQ(sites.size(), 3u);
  EXPECT_EQ(sites[0].offset, 1u);
  EXPECT_STREQ(sites[1].what, "int 0x80");
  EXPECT_STREQ(sites[2].what, "sysenter");
}

// The layers before seccomp, seen from inside (prctl is forbidden after it).
TEST(WorkerLockdown, LayersBeforeSeccomp) {
  const std::string parent_net = [] {
    char buf[64] = {};
    return readlink("/proc/self/ns/net", buf, sizeof buf - 1) > 0 ? std::string(buf) : "";
  }();
  static char parent_net_c[64];
  snprintf(parent_net_c, sizeof parent_net_c, "%s", parent_net.c_str());
  Status s = RunLockedDown([] {
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) return 10;
    if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) return 11;
    int sig = 0;
    if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) != 0 || sig != SIGKILL) return 12;
    rlimit l;
    if (getrlimit(RLIMIT_CORE, &l) != 0 || l.rlim_max != 0) return 13;
    if (getrlimit(RLIMIT_NOFILE, &l) != 0 || l.rlim_max != 6) return 14;
    if (getrlimit(RLIMIT_CPU, &l) != 0 || l.rlim_cur != 7 || l.rlim_max != 8) return 15;
    // Landlock (ABI ≥ 1 here, see NOTES.md): no file at all, not even /.
    if (LandlockAbi() > 0) {
      if (open("/etc/passwd", O_RDONLY) >= 0 || errno != EACCES) return 16;
      if (open("/", O_RDONLY | O_DIRECTORY) >= 0 || errno != EACCES) return 17;
    }
    return 0;
  }, kDefaultMaxMemoryBytes, nullptr, LockdownStage::kSeccomp, 7);
  EXPECT_TRUE(s.exited) << "signal " << s.code;
  EXPECT_EQ(s.code, 0);

  // Namespaces (stop before Landlock so /proc is still readable).
  Status ns = RunLockedDown([] {
    char buf[64] = {};
    if (readlink("/proc/self/ns/net", buf, sizeof buf - 1) <= 0) return 20;
    if (ProbeWorkerNamespaces() == 0) return 0;  // the host refuses: optional layer
    return std::string(buf) != parent_net_c ? 0 : 21;
  }, kDefaultMaxMemoryBytes, nullptr, LockdownStage::kLandlock);
  EXPECT_TRUE(ns.exited);
  EXPECT_EQ(ns.code, 0);
}

TEST(WorkerLockdown, CpuTimeLimitSendsSigxcpu) {
  Status s = RunLockedDown([] {
    volatile uint64_t i = 0;
    for (;;) i = i + 1;
    return 0;
  }, kDefaultMaxMemoryBytes, nullptr, LockdownStage::kDone, 1);
  EXPECT_FALSE(s.exited);
  EXPECT_EQ(s.code, SIGXCPU);
}

// The broker's filter: a denylist; the golden file pins it.
TEST(BrokerSeccomp, MatchesGoldenPfcAndDeniesTheDangerousClasses) {
  Result<std::string> pfc = BrokerFilterPfc();
  ASSERT_TRUE(pfc.ok()) << pfc.error().message;
  for (const char* name : {"execve", "execveat", "ptrace", "socket", "connect", "bind",
                           "process_vm_readv", "kexec_load", "mount", "io_uring_setup", "clone",
                           "clone3", "ioctl"}) {
    EXPECT_NE(pfc->find(std::string("# filter for syscall \"") + name + "\""), std::string::npos)
        << name;
  }
  EXPECT_EQ(pfc->find("# filter for syscall \"accept4\""), std::string::npos);
  const std::string path = CAPSA_GOLDEN_DIR "/broker_seccomp.pfc";
  if (std::getenv("CAPSA_UPDATE_GOLDEN") != nullptr) std::ofstream(path) << pfc.value();
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << path;
  std::string golden((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(pfc.value(), golden);
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
