#include "launcher/namespaces.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

namespace capsa::launcher {
namespace {

int CloneFlag(uint32_t bit) {
  switch (bit) {
    case kNsUser: return CLONE_NEWUSER;
    case kNsMount: return CLONE_NEWNS;
    case kNsNet: return CLONE_NEWNET;
    case kNsIpc: return CLONE_NEWIPC;
    default: return 0;
  }
}

}  // namespace

uint32_t EnterWorkerNamespaces() {
  int all = 0;
  for (uint32_t bit = 1; bit <= kNsIpc; bit <<= 1) all |= CloneFlag(bit);
  if (unshare(all) == 0) return kWorkerNamespaces;
  // One at a time: the user namespace first, since it is what lets an
  // unprivileged process create the others.
  uint32_t got = 0;
  for (uint32_t bit = 1; bit <= kNsIpc; bit <<= 1) {
    if (unshare(CloneFlag(bit)) == 0) got |= bit;
  }
  return got;
}

uint32_t ProbeWorkerNamespaces() {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return 0;
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    uint32_t got = EnterWorkerNamespaces();
    (void)!write(p[1], &got, sizeof got);
    _exit(0);
  }
  close(p[1]);
  uint32_t got = 0;
  if (pid < 0 || read(p[0], &got, sizeof got) != sizeof got) got = 0;
  close(p[0]);
  if (pid > 0) waitpid(pid, nullptr, 0);
  return got;
}

std::string DescribeNamespaces(uint32_t bits) {
  std::string s;
  const char* names[] = {"user", "mount", "net", "ipc"};
  for (int i = 0; i < 4; ++i) {
    if ((bits & (1u << i)) == 0) continue;
    if (!s.empty()) s += ", ";
    s += names[i];
  }
  return s.empty() ? "none" : s;
}

}  // namespace capsa::launcher
