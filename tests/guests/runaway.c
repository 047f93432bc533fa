// Unbounded recursion: the engine must stop it with a clean trap
// (call stack exhausted), never a host crash.
#include <stdio.h>

static volatile unsigned depth_seen;

__attribute__((noinline)) static unsigned Runaway(unsigned depth) {
  depth_seen = depth;  // a side effect, so the call cannot be removed
  if (depth_seen == 0xFFFFFFFFu) return 0;  // never: 4G frames cannot fit
  return Runaway(depth + 1) + depth_seen;
}

int main(void) {
  printf("recursing\n");
  fflush(stdout);
  return (int)Runaway(0);
}
