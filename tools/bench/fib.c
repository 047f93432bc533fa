// Calls: naive doubly recursive Fibonacci (call/return, locals, i32 compare and add).
//
// usage: fib [N]   (default 40)
#include "bench.h"

// noinline keeps the call shape the same in both builds; the recursion itself is the load.
__attribute__((noinline)) static uint32_t Fib(uint32_t n) {
  return n < 2 ? n : Fib(n - 1) + Fib(n - 2);
}

int main(int argc, char** argv) {
  long n = BenchArg(argc, argv, 1, 40);
  printf("fib(%ld)=%u\n", n, Fib((uint32_t)n));
  return 0;
}
