// Dense f64 matrix multiply C = A*B, i-k-j order, repeated; each round feeds part of C back
// into A so no round can be skipped. Exercises f64 loads/stores and multiply-add loops.
//
// usage: matmul [N] [REPS]   (defaults 300 and 24)
#include "bench.h"

int main(int argc, char** argv) {
  long n = BenchArg(argc, argv, 1, 300);
  long reps = BenchArg(argc, argv, 2, 24);
  size_t cells = (size_t)n * (size_t)n;
  double* a = BenchAlloc(cells * sizeof(double));
  double* b = BenchAlloc(cells * sizeof(double));
  double* c = BenchAlloc(cells * sizeof(double));
  BenchRng rng = {0x0123456789ABCDEFULL};
  // Values k/1024 with small k: every product and partial sum is exact in a double, so the
  // result does not depend on how either compiler schedules the additions.
  for (size_t i = 0; i < cells; ++i) {
    a[i] = (double)(BenchNext(&rng) % 64) / 1024.0;
    b[i] = (double)(BenchNext(&rng) % 64) / 1024.0;
  }

  double trace = 0.0;
  for (long r = 0; r < reps; ++r) {
    for (size_t i = 0; i < cells; ++i)
      c[i] = 0.0;
    for (long i = 0; i < n; ++i) {
      for (long k = 0; k < n; ++k) {
        double aik = a[i * n + k];
        const double* brow = b + k * n;
        double* crow = c + i * n;
        for (long j = 0; j < n; ++j)
          crow[j] += aik * brow[j];
      }
    }
    for (long i = 0; i < n; ++i) {
      trace += c[i * n + i];
      a[i * n + (i + r) % n] = (double)((long)(c[i * n + i] * 1024.0) % 64) / 1024.0;
    }
  }
  double sum = 0.0;
  for (size_t i = 0; i < cells; ++i)
    sum += c[i];
  printf("matmul n=%ld reps=%ld trace=%.6f sum=%.6f\n", n, reps, trace, sum);
  free(a);
  free(b);
  free(c);
  return 0;
}
