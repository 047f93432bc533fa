// capsa_violation_worker_test: the real launcher, broker (caps::RunBroker)
// and worker lockdown, with a worker payload that — after lockdown — does
// something native code inside the sandbox must never be able to do. Built
// only here, never linked into `capsa`. launcher_test runs it as a
// subprocess and checks its exit status and stderr.
//
//   capsa_violation_worker_test MODE
//
// Violations (expected: exit 159 and the seccomp line on stderr):
//   open-passwd     open("/etc/passwd", O_RDONLY)
//   write-stdout    write(1, ...)
//   stat-path       stat("/etc/passwd") (newfstatat with a path)
//   fstatat-memfd   newfstatat(memfd, "/etc/passwd", AT_EMPTY_PATH)
//   mmap-exec       mmap(PROT_READ|PROT_EXEC, anonymous)
//   mprotect-exec   mprotect(own stack, PROT_EXEC)
//   socket          socket(AF_INET, SOCK_STREAM)
//   execve          execve("/bin/true")
//   kill-parent     kill(getppid(), SIGKILL)
//   ftruncate-sock  ftruncate(socket)
// Controls (the machinery itself works):
//   report-exit     Hello + ReportExit(42) through caps::BrokerClient → 42
//   fstat-memfd     fstat(memfd) (emulated), grow the memfd, map it, → 0
//   abort           abort() → worker crashed (signal 6), 161
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

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

int Report(const WorkerContext& ctx, uint32_t code) {
  capsa::caps::BrokerClient client(ctx.socket_fd);
  if (!client.Hello().ok()) return 90;
  client.ReportExit(code);
  return kWorkerStatusReported;
}

const std::map<std::string, int (*)(const WorkerContext&)>& Modes() {
  static const std::map<std::string, int (*)(const WorkerContext&)> modes = {
      {"open-passwd", [](const WorkerContext&) { return open("/etc/passwd", O_RDONLY) >= 0 ? 80 : 81; }},
      {"write-stdout", [](const WorkerContext&) { return write(1, "x\n", 2) == 2 ? 80 : 81; }},
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
      {"execve", [](const WorkerContext&) {
         char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
         execve("/bin/true", argv, nullptr);
         return 81;
       }},
      {"kill-parent", [](const WorkerContext&) { return kill(getppid(), SIGKILL) == 0 ? 80 : 81; }},
      {"ftruncate-sock", [](const WorkerContext& ctx) { return ftruncate(ctx.socket_fd, 0) == 0 ? 80 : 81; }},
      {"report-exit", [](const WorkerContext& ctx) { return Report(ctx, 42); }},
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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || Modes().count(argv[1]) == 0) {
    std::fprintf(stderr, "usage: %s MODE\nmodes:", argv[0]);
    for (const auto& [name, fn] : Modes()) std::fprintf(stderr, " %s", name.c_str());
    std::fprintf(stderr, "\n");
    return 2;
  }
  capsa::launcher::RunRequest request;
  // Any readable file: the broker offers it, no payload here loads it.
  request.module_path = "/proc/self/exe";
  request.policy.args = {request.module_path};
  capsa::launcher::RunHooks hooks = capsa::launcher::ProductionHooks();
  auto* fn = Modes().at(argv[1]);
  hooks.worker = [fn](const WorkerContext& ctx) { return fn(ctx); };
  std::fflush(nullptr);
  return capsa::launcher::Run(request, hooks);
}
