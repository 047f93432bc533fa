// Traps (wasm `unreachable`) inside a named function; the runtime must report
// the trap and name explode_here.
#include <stdio.h>

__attribute__((noinline)) void explode_here(int code) {
  if (code != 0) __builtin_trap();
}

int main(int argc, char** argv) {
  (void)argv;
  printf("about to trap\n");
  fflush(stdout);
  explode_here(argc);
  return 0;
}
