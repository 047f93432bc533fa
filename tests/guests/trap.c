// Traps (wasm `unreachable`) three named calls deep; the runtime must report
// the trap in explode_here and a backtrace through level_two and level_one.
#include <stdio.h>

__attribute__((noinline)) void explode_here(int code) {
  if (code != 0) __builtin_trap();
}

__attribute__((noinline)) void level_two(int code) {
  explode_here(code);
  printf("not reached\n");
}

__attribute__((noinline)) void level_one(int code) {
  level_two(code);
  printf("not reached\n");
}

int main(int argc, char** argv) {
  (void)argv;
  printf("about to trap\n");
  fflush(stdout);
  level_one(argc);
  return 0;
}
