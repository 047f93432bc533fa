// capsa_violation_worker_test: the real launcher, broker (caps::RunBroker)
// and worker lockdown, with a worker payload that — after lockdown — does
// something native code inside the sandbox must never be able to do. Built
// only here, never linked into `capsa`. launcher_test runs it as a
// subprocess and checks its exit status and stderr.
//
//   capsa_violation_worker_test MODE
//
// Worker violations (expected: exit 159, "capsa: sandbox violation: worker
// called NAME(...) at 0x..." and Capstone lines on stderr):
//   open-passwd     open("/etc/passwd", O_RDONLY)          → openat
//   write-stdout    write(1, ...)                          → write
//   write-memfd     write(memfd, ...)                      → write
//   stat-path       stat("/etc/passwd")                    → newfstatat
//   fstatat-memfd   newfstatat(memfd, "/etc/passwd", AT_EMPTY_PATH)
//   mmap-exec       mmap(PROT_READ|PROT_EXEC, anonymous)   → mmap
//   mprotect-exec   mprotect(own data, PROT_EXEC)          → mprotect
//   socket          socket(AF_INET, SOCK_STREAM)           → socket
//   connect         connect(socket fd, 127.0.0.1:9)        → connect
//   execve          execve("/bin/true")                    → execve
//   ptrace          ptrace(PTRACE_ATTACH, parent)          → ptrace
//   fork            fork()                                 → clone
//   kill-parent     kill(launcher, SIGKILL)                → kill
//   ftruncate-sock  ftruncate(socket)                      → ftruncate
// Broker lockdown (the hook runs in the broker after LockDownBroker):
//   broker-landlock  outside a tree: open fails EACCES; inside a ro tree:
//                    read works, create fails → 42 (else 80+)
//   broker-exec      execve in the broker → 162, killed by seccomp
//   broker-socket    socket(AF_INET) in the broker → 162
// Controls (the machinery itself works):
//   report-exit     Hello + ReportExit(42) through caps::BrokerClient → 42
//   fstat-memfd     fstat(memfd) (emulated), grow the memfd, map it, → 0
//   abort           abort() → worker crashed (signal 6), 161
//   hang            worker blocks on the socket; prints "pids WORKER BROKER"
//                   on stderr once both run (orphan tests kill things)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "caps/broker_client.h"
#include "launcher/run.h"

namespace {

using capsa::launcher::WorkerContext;
using capsa::launcher::kWorkerStatusReported;
using Kind = capsa::caps::WorkerOutcome::Kind;

// The worker's parent; getppid() is itself outside the allowlist.
pid_t g_launcher = 0;

int Report(const WorkerContext& ctx, uint32_t code) {
  capsa::caps::BrokerClient client(ctx.socket_fd);
  if (!client.Hello().ok()) return 90;
  client.ReportExit(code);
  return kWorkerStatusReported;
}

int BlockOnSocket(const WorkerContext& ctx) {
  char c;
  while (recv(ctx.socket_fd, &c, 1, 0) > 0) {
  }
  return capsa::launcher::kWorkerStatusBrokerLost;
}

const std::map<std::string, int (*)(const WorkerContext&)>& Modes() {
  static const std::map<std::string, int (*)(const WorkerContext&)> modes = {
      {"open-passwd", [](const WorkerContext&) { return open("/etc/passwd", O_RDONLY) >= 0 ? 80 : 81; }},
      {"write-stdout", [](const WorkerContext&) { return write(1, "x\n", 2) == 2 ? 80 : 81; }},
      {"write-memfd", [](const WorkerContext& ctx) { return write(ctx.memfd, "x", 1) == 1 ? 80 : 81; }},
      {"stat-path", [](const WorkerContext&) {
         struct stat st;
         return stat("/etc/passwd", &st) == 0 ? 80 : 81;
       }},
      {"fstatat-memfd", [](const WorkerContext& ctx) {
         struct stat st;
         return fstatat(ctx.memfd, "/etc/passwd", &st, AT_EMPTY_PATH) == 0 ? 80 : 81;
       }},
      {"mmap-exec", [](const WorkerContext&) {
         void* p = mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
         return p != MAP_FAILED ? 80 : 81;
       }},
      {"mprotect-exec", [](const WorkerContext&) {
         static char page[8192] __attribute__((aligned(4096)));
         return mprotect(page, 4096, PROT_READ | PROT_EXEC) == 0 ? 80 : 81;
       }},
      {"socket", [](const WorkerContext&) { return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 80 : 81; }},
      {"connect", [](const WorkerContext& ctx) {
         sockaddr_in addr{};
         addr.sin_family = AF_INET;
         addr.sin_port = htons(9);
         addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
         return connect(ctx.socket_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 ? 80 : 81;
       }},
      {"execve", [](const WorkerContext&) {
         char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
         execve("/bin/true", argv, nullptr);
         return 81;
       }},
      {"ptrace", [](const WorkerContext&) {
         return ptrace(PTRACE_ATTACH, g_launcher, nullptr, nullptr) == 0 ? 80 : 81;
       }},
      {"fork", [](const WorkerContext&) { return fork() >= 0 ? 80 : 81; }},
      {"kill-parent", [](const WorkerContext&) { return kill(g_launcher, SIGKILL) == 0 ? 80 : 81; }},
      {"ftruncate-sock", [](const WorkerContext& ctx) { return ftruncate(ctx.socket_fd, 0) == 0 ? 80 : 81; }},
      {"report-exit", [](const WorkerContext& ctx) { return Report(ctx, 42); }},
      {"broker-landlock", [](const WorkerContext& ctx) { return Report(ctx, 42); }},
      {"broker-exec", BlockOnSocket},
      {"broker-socket", BlockOnSocket},
      {"hang", BlockOnSocket},
      {"fstat-memfd", [](const WorkerContext& ctx) {
         struct stat st;
         if (fstat(ctx.memfd, &st) != 0 || st.st_size != 0) return 82;
         if (ftruncate(ctx.memfd, 65536) != 0) return 83;
         if (fstat(ctx.memfd, &st) != 0 || st.st_size != 65536) return 84;
         void* p = mmap(nullptr, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, ctx.memfd, 0);
         if (p == MAP_FAILED) return 85;
         static_cast<char*>(p)[100] = 1;
         return Report(ctx, 0);
       }},
      {"abort", [](const WorkerContext&) -> int { abort(); }},
  };
  return modes;
}

capsa::caps::WorkerOutcome Exit(uint32_t code) {
  capsa::caps::WorkerOutcome o;
  o.kind = Kind::kExit;
  o.exit_code = code;
  return o;
}

// The broker hooks: probe the lockdown, then serve for real.
capsa::launcher::BrokerServe BrokerFor(const std::string& mode, const std::string& tree) {
  if (mode == "broker-landlock") {
    return [tree](capsa::caps::BrokerConfig config) {
      if (open("/etc/passwd", O_RDONLY) >= 0) return Exit(80);
      if (errno != EACCES) return Exit(81);
      const int dir = config.preopens.at(0).fd;
      const int in = openat(dir, "in.txt", O_RDONLY);
      if (in < 0) return Exit(82);
      close(in);
      if (openat(dir, "new.txt", O_WRONLY | O_CREAT, 0600) >= 0) return Exit(83);
      if (open((tree + "/in.txt").c_str(), O_RDONLY) < 0) return Exit(84);  // by name, inside
      return capsa::caps::RunBroker(std::move(config));
    };
  }
  if (mode == "broker-exec") {
    return [](capsa::caps::BrokerConfig) {
      char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
      execve("/bin/true", argv, nullptr);
      return Exit(80);
    };
  }
  if (mode == "broker-socket") {
    return [](capsa::caps::BrokerConfig) {
      return Exit(socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 80 : 81);
    };
  }
  return capsa::caps::RunBroker;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || Modes().count(argv[1]) == 0) {
    std::fprintf(stderr, "usage: %s MODE\nmodes:", argv[0]);
    for (const auto& [name, fn] : Modes()) std::fprintf(stderr, " %s", name.c_str());
    std::fprintf(stderr, "\n");
    return 2;
  }
  const std::string mode = argv[1];
  g_launcher = getpid();
  capsa::launcher::RunRequest request;
  // Any readable file: the broker offers it, no payload here loads it.
  request.module_path = "/proc/self/exe";
  request.policy.args = {request.module_path};
  std::string tree;
  if (mode == "broker-landlock") {
    char dir[] = "/tmp/capsa_violation_tree_XXXXXX";
    if (mkdtemp(dir) == nullptr) return 2;
    tree = dir;
    FILE* f = std::fopen((tree + "/in.txt").c_str(), "w");
    if (f == nullptr) return 2;
    std::fclose(f);
    request.policy.dirs.push_back({tree, "/t", capsa::policy::DirMode::kReadOnly});
  }
  capsa::launcher::RunHooks hooks = capsa::launcher::ProductionHooks();
  auto* fn = Modes().at(mode);
  hooks.worker = [fn](const WorkerContext& ctx) { return fn(ctx); };
  hooks.broker = BrokerFor(mode, tree);
  if (mode == "hang") {
    hooks.on_started = [](pid_t worker, pid_t broker) {
      std::fprintf(stderr, "pids %d %d\n", worker, broker);
      std::fflush(stderr);
    };
  }
  std::fflush(nullptr);
  const int status = capsa::launcher::Run(request, hooks);
  if (!tree.empty()) std::system(("rm -rf " + tree).c_str());
  return status;
}
