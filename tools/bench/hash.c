// Integer hashing: FNV-1a (byte at a time) and an xxHash64-like 4-lane mixer over a generated
// buffer. Exercises i64 multiply, rotates, loads and tight loops.
//
// usage: hash [PASSES] [KIB]   (defaults 250 passes over 1024 KiB)
#include "bench.h"

#include <string.h>

static const uint64_t kP1 = 0x9E3779B185EBCA87ULL;
static const uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
static const uint64_t kP3 = 0x165667B19E3779F9ULL;

static uint64_t Rotl(uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}

static uint32_t Fnv1a(const uint8_t* p, size_t n, uint32_t h) {
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 16777619u;
  }
  return h;
}

static uint64_t Read64(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);  // little-endian on both x86-64 and wasm32
  return v;
}

static uint64_t Round(uint64_t acc, uint64_t input) {
  acc += input * kP2;
  acc = Rotl(acc, 31);
  return acc * kP1;
}

static uint64_t XxLike(const uint8_t* p, size_t n, uint64_t seed) {
  uint64_t v1 = seed + kP1 + kP2, v2 = seed + kP2, v3 = seed, v4 = seed - kP1;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    v1 = Round(v1, Read64(p + i));
    v2 = Round(v2, Read64(p + i + 8));
    v3 = Round(v3, Read64(p + i + 16));
    v4 = Round(v4, Read64(p + i + 24));
  }
  uint64_t h = Rotl(v1, 1) + Rotl(v2, 7) + Rotl(v3, 12) + Rotl(v4, 18) + n;
  for (; i < n; ++i)
    h = Rotl(h ^ (p[i] * kP3), 11) * kP1;
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

int main(int argc, char** argv) {
  long passes = BenchArg(argc, argv, 1, 250);
  size_t size = (size_t)BenchArg(argc, argv, 2, 1024) * 1024;
  uint8_t* buf = BenchAlloc(size);
  BenchRng rng = {0x1234567887654321ULL};
  for (size_t i = 0; i < size; i += 8) {
    uint64_t v = BenchNext(&rng);
    memcpy(buf + i, &v, size - i < 8 ? size - i : 8);
  }

  uint64_t sum = 0;
  uint32_t fnv = 2166136261u;
  for (long pass = 0; pass < passes; ++pass) {
    fnv = Fnv1a(buf, size, fnv);
    uint64_t xx = XxLike(buf, size, (uint64_t)pass);
    sum = BenchMix(sum, xx ^ fnv);
    buf[(size_t)(xx % size)] ^= (uint8_t)fnv;  // so no pass repeats the previous one's input
  }
  printf("hash passes=%ld bytes=%zu fnv=%08x checksum=%016llx\n", passes, size, fnv,
         (unsigned long long)sum);
  free(buf);
  return 0;
}
