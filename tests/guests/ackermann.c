// Deep (non-tail) recursion: Ackermann(2, N) = 2N + 3 recurses about 3N deep.
#include <stdio.h>
#include <stdlib.h>

static unsigned Ackermann(unsigned m, unsigned n) {
  if (m == 0) return n + 1;
  if (n == 0) return Ackermann(m - 1, 1);
  return Ackermann(m - 1, Ackermann(m, n - 1));
}

int main(int argc, char** argv) {
  unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;
  printf("ackermann(2, %u) = %u\n", n, Ackermann(2, n));
  return 0;
}
