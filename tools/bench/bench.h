// Shared helpers for the benchmark guests: size argument parsing, a deterministic PRNG and
// checksum mixing. Header-only so each benchmark stays one translation unit, which is what
// capsa_add_c_guest and capsa_add_native_twin build.
#ifndef CAPSA_TOOLS_BENCH_BENCH_H_
#define CAPSA_TOOLS_BENCH_BENCH_H_

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

// Returns argv[index] as a positive integer, or fallback when absent. Exits with status 2 on a
// malformed value so a typo in a smoke-test size is not silently replaced by the default.
static inline long BenchArg(int argc, char** argv, int index, long fallback) {
  if (argc <= index)
    return fallback;
  char* end = NULL;
  long value = strtol(argv[index], &end, 10);
  if (end == argv[index] || *end != '\0' || value <= 0) {
    fprintf(stderr, "%s: argument %d must be a positive integer, got '%s'\n", argv[0], index,
            argv[index]);
    exit(2);
  }
  return value;
}

// xorshift64*: fast, deterministic, identical on every target.
typedef struct {
  uint64_t state;
} BenchRng;

static inline uint64_t BenchNext(BenchRng* rng) {
  uint64_t x = rng->state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  rng->state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

static inline uint64_t BenchMix(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
  return h;
}

static inline void* BenchAlloc(size_t bytes) {
  void* p = malloc(bytes);
  if (p == NULL) {
    fprintf(stderr, "out of memory (%zu bytes)\n", bytes);
    exit(3);
  }
  return p;
}

#endif  // CAPSA_TOOLS_BENCH_BENCH_H_
