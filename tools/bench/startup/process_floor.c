// The process shape of `capsa run` with none of its work: fork two children
// that exit at once, reap both, exit. Its run time is the floor that any
// launcher + broker + worker design pays on this machine before it does
// anything (run-startup-bench.py reports it beside capsa's).
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  for (int i = 0; i < 2; ++i) {
    const pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      return 1;
    }
    if (pid == 0) _exit(0);
  }
  int status = 0;
  int failed = 0;
  for (int i = 0; i < 2; ++i) {
    if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
  }
  if (failed) return 1;
  printf("hello from capsa\nargc=1\n");
  return 0;
}
