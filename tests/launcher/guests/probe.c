// Guest for the capsa binary tests: each argument is a command.
//   exit N        proc_exit(N)
//   trap          unreachable
//   print WORD    write WORD and a newline to stdout
//   env NAME      print NAME's value (or "(unset)")
//   cat PATH      print a file's contents (or "cat: PATH: <error>" on stderr)
//   write PATH    create PATH and write "w" (or "write: PATH: <error>")
//   args          print argc and every argument, one per line
//   spin          loop forever (for --timeout and --cpu-time)
//   flood         print numbered lines forever (for --max-output)
//   recurse N     recurse N calls deep (wasm frames only, no shadow stack) and
//                 print "recurse N=<checksum>"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Not a tail call (the result is used after it returns), so every level is a
// real wasm frame; all state is in wasm locals, none on the shadow stack.
__attribute__((noinline)) static unsigned Recurse(unsigned n) {
  if (n == 0) return 1;
  return Recurse(n - 1) * 3u + n;
}

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
    } else if (!strcmp(cmd, "recurse")) {
      unsigned n = (unsigned)strtoul(arg, NULL, 10);
      printf("recurse %u=%u\n", n, Recurse(n));
      ++i;
    } else if (!strcmp(cmd, "spin")) {
      fflush(stdout);
      for (volatile unsigned n = 0;; ++n) {
      }
    } else if (!strcmp(cmd, "flood")) {
      for (unsigned long n = 0;; ++n) printf("line %lu\n", n);
    } else if (!strcmp(cmd, "args")) {
      printf("%d\n", argc);
      for (int j = 0; j < argc; ++j) printf("%s\n", argv[j]);
    }
  }
  fflush(stdout);
  return 0;
}
