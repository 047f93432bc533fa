// Guest for the capsa binary tests: each argument is a command.
//   exit N        proc_exit(N)
//   trap          unreachable
//   print WORD    write WORD and a newline to stdout
//   env NAME      print NAME's value (or "(unset)")
//   cat PATH      print a file's contents (or "cat: PATH: <error>" on stderr)
//   write PATH    create PATH and write "w" (or "write: PATH: <error>")
//   args          print argc and every argument, one per line
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const char* cmd = argv[i];
    const char* arg = i + 1 < argc ? argv[i + 1] : "";
    if (!strcmp(cmd, "exit")) {
      exit(atoi(arg));
    } else if (!strcmp(cmd, "trap")) {
      __builtin_trap();
    } else if (!strcmp(cmd, "print")) {
      printf("%s\n", arg);
      ++i;
    } else if (!strcmp(cmd, "env")) {
      const char* v = getenv(arg);
      printf("%s=%s\n", arg, v ? v : "(unset)");
      ++i;
    } else if (!strcmp(cmd, "cat")) {
      FILE* f = fopen(arg, "r");
      if (!f) {
        fprintf(stderr, "cat: %s: %s\n", arg, strerror(errno));
      } else {
        char buf[512];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
        fclose(f);
      }
      ++i;
    } else if (!strcmp(cmd, "write")) {
      FILE* f = fopen(arg, "w");
      if (!f) {
        fprintf(stderr, "write: %s: %s\n", arg, strerror(errno));
      } else {
        fputs("w", f);
        fclose(f);
      }
      ++i;
    } else if (!strcmp(cmd, "args")) {
      printf("%d\n", argc);
      for (int j = 0; j < argc; ++j) printf("%s\n", argv[j]);
    }
  }
  fflush(stdout);
  return 0;
}
