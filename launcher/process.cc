#include "launcher/process.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace capsa::launcher {

Result<Child> ForkChild(const char* name, const std::function<int()>& body) {
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    return MakeError(ErrorCode::kIo, std::string("fork: ") + strerrordesc_np(errno));
  }
  if (pid == 0) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
    prctl(PR_SET_NAME, name);  // ps and perf tell the three processes apart
    _exit(body());
  }
  Child child;
  child.pid = pid;
  child.pidfd.Reset(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (!child.pidfd.valid()) {
    const int err = errno;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return MakeError(ErrorCode::kIo, std::string("pidfd_open: ") + strerrordesc_np(err));
  }
  return child;
}

ChildEnd TryReap(const Child& child) {
  ChildEnd end;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(child.pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r != child.pid) return end;
  if (WIFEXITED(status)) {
    end.kind = ChildEnd::Kind::kExited;
    end.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    end.kind = ChildEnd::Kind::kSignaled;
    end.code = WTERMSIG(status);
  }
  return end;
}

void KillChild(const Child& child) {
  syscall(SYS_pidfd_send_signal, child.pidfd.get(), SIGKILL, nullptr, 0);
}

}  // namespace capsa::launcher
