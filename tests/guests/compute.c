// A deterministic workout of the code shapes compilers and engines get wrong:
// integer hashing, IEEE floating point (only correctly rounded operations, so
// any conforming libm gives the same bits), qsort, 64-bit arithmetic, switch
// tables, indirect calls, allocator churn, mem* and string functions.
// Prints one checksum line per part; the wasm build (-O0 and -O2) must print
// exactly what the native build prints. No type here depends on the target's
// pointer or long size.
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rng_state = 12345u;

static uint32_t NextRandom(void) {
  // xorshift32
  uint32_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rng_state = x;
  return x;
}

static uint32_t Fnv1a(const void* data, uint32_t n, uint32_t h) {
  const unsigned char* p = (const unsigned char*)data;
  for (uint32_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 16777619u;
  }
  return h;
}

static void PartIntegerHash(void) {
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < 200000; ++i) {
    uint32_t v = i * 2654435761u;
    v = (v >> 7) | (v << 25);
    v ^= (uint32_t)((int32_t)v >> 3);
    h = Fnv1a(&v, sizeof v, h);
    h += (i % 7 == 0) ? (h / (i + 1)) : (h % (i + 3));
  }
  printf("int-hash: %08" PRIx32 "\n", h);
}

static void PartFloat(void) {
  double sum = 0.0, prod = 1.0, root = 0.0;
  float fsum = 0.0f;
  for (int i = 1; i <= 100000; ++i) {
    double x = (double)i / 7.0;
    sum += 1.0 / (x * x + 1.0);
    prod *= 1.0 + 1.0 / (double)(i * 3 + 1);
    if (prod > 1e6) prod /= 1e6;
    root += sqrt(x) - floor(sqrt(x));
    fsum += (float)i * 0.25f - (float)(i / 3);
  }
  double neg = -0.0;
  printf("float: sum=%.6f prod=%.6f root=%.6f fsum=%.6f\n", sum, prod, root, (double)fsum);
  printf("float: fabs=%.6f trunc=%" PRId64 " min=%.6e nan=%d\n", fabs(neg - 3.25),
         (int64_t)(sum * 1e9), 2.2250738585072014e-308 / 3.0, isnan(sqrt(-1.0)) ? 1 : 0);
}

static int CompareInts(const void* a, const void* b) {
  int32_t x = *(const int32_t*)a, y = *(const int32_t*)b;
  return (x > y) - (x < y);
}

static void PartSort(void) {
  enum { kCount = 100000 };
  int32_t* values = malloc(kCount * sizeof(int32_t));
  for (int i = 0; i < kCount; ++i) values[i] = (int32_t)NextRandom();
  qsort(values, kCount, sizeof(int32_t), CompareInts);
  int sorted = 1;
  for (int i = 1; i < kCount; ++i) sorted &= values[i - 1] <= values[i];
  printf("sort: sorted=%d min=%" PRId32 " median=%" PRId32 " max=%" PRId32 " hash=%08" PRIx32
         "\n", sorted, values[0], values[kCount / 2], values[kCount - 1],
         Fnv1a(values, kCount * sizeof(int32_t), 2166136261u));
  free(values);
}

static void Part64(void) {
  uint64_t a = 0x9E3779B97F4A7C15ull, acc = 0;
  int64_t s = -1234567890123ll;
  for (int i = 0; i < 100000; ++i) {
    a ^= a >> 31;
    a *= 0xBF58476D1CE4E5B9ull;
    a ^= a << 17;
    acc += a / ((uint64_t)i + 3) + (a % 1000003u);
    // Wrapping multiply (no signed overflow), then signed division and shift.
    s = (int64_t)((uint64_t)s * 3u) / 2 + (int64_t)(a >> 40) - (s >> 5);
    acc ^= (uint64_t)s;
    acc = (acc << 13) | (acc >> 51);
  }
  printf("u64: acc=%016" PRIx64 " s=%" PRId64 " clz=%d ctz=%d pop=%d\n", acc, s,
         __builtin_clzll(acc | 1), __builtin_ctzll(acc | 0x8000000000000000ull),
         __builtin_popcountll(acc));
}

static uint32_t Dispatch(uint32_t op, uint32_t x) {
  switch (op % 12) {
    case 0: return x + 1;
    case 1: return x * 3;
    case 2: return x ^ 0x5A5A5A5Au;
    case 3: return x >> 3;
    case 4: return x << 2;
    case 5: return ~x;
    case 6: return x - 77;
    case 7: return x / 5 + 1;
    case 8: return x % 1009;
    case 9: return (x << 16) | (x >> 16);
    case 10: return x & 0x00FFFF00u;
    default: return x | 0x80000001u;
  }
}

typedef uint32_t (*UnaryOp)(uint32_t);
static uint32_t OpAdd(uint32_t x) { return x + 0x1234567u; }
static uint32_t OpMul(uint32_t x) { return x * 0x9E3779B1u; }
static uint32_t OpRot(uint32_t x) { return (x << 11) | (x >> 21); }
static uint32_t OpXor(uint32_t x) { return x ^ (x >> 15); }

static void PartControl(void) {
  uint32_t x = 1;
  for (uint32_t i = 0; i < 300000; ++i) x = Dispatch(i * 7 + (x & 3), x);
  static const UnaryOp kOps[] = {OpAdd, OpMul, OpRot, OpXor};
  uint32_t y = 42;
  for (uint32_t i = 0; i < 300000; ++i) y = kOps[(y ^ i) & 3](y);
  printf("control: switch=%08" PRIx32 " indirect=%08" PRIx32 "\n", x, y);
}

static void PartMemory(void) {
  enum { kSlots = 257 };
  unsigned char* slots[kSlots] = {0};
  uint32_t sizes[kSlots] = {0};
  uint32_t h = 2166136261u;
  for (int round = 0; round < 20000; ++round) {
    uint32_t r = NextRandom();
    int slot = (int)(r % kSlots);
    if (slots[slot] != NULL) {
      h = Fnv1a(slots[slot], sizes[slot], h);
      free(slots[slot]);
      slots[slot] = NULL;
    } else {
      uint32_t size = 1 + (r >> 8) % 4000;
      unsigned char* p = malloc(size);
      memset(p, (int)(r & 0xFF), size);
      for (uint32_t i = 0; i < size; i += 97) p[i] = (unsigned char)(i ^ r);
      if (size > 16) memmove(p + 3, p, size - 16);  // overlapping
      slots[slot] = p;
      sizes[slot] = size;
    }
  }
  for (int i = 0; i < kSlots; ++i) {
    if (slots[i] != NULL) {
      unsigned char copy[4000];
      memcpy(copy, slots[i], sizes[i]);
      h = Fnv1a(copy, sizes[i], h);
      free(slots[i]);
    }
  }
  printf("memory: %08" PRIx32 "\n", h);
}

static void PartStrings(void) {
  char buf[256];
  char joined[4096] = "";
  uint32_t h = 2166136261u;
  for (int i = 0; i < 200; ++i) {
    snprintf(buf, sizeof buf, "item-%03d:%x:%s", i, i * 2654435761u, (i & 1) ? "odd" : "even");
    if (strlen(joined) + strlen(buf) + 2 < sizeof joined) {
      strcat(joined, buf);
      strcat(joined, ",");
    }
    h = Fnv1a(buf, (uint32_t)strlen(buf), h);
  }
  const char* found = strstr(joined, "item-150");
  char* comma = strchr(joined, ',');
  int cmp = strcmp("alpha", "alphabet");
  int ncmp = strncmp("capsa-run", "capsa-log", 6);
  printf("strings: len=%u hash=%08" PRIx32 " found=%d first=%d cmp=%d ncmp=%d num=%ld\n",
         (unsigned)strlen(joined), h, found != NULL ? (int)(found - joined) : -1,
         (int)(comma - joined), cmp < 0 ? -1 : (cmp > 0), ncmp, strtol("-0x7fff", NULL, 16));
}

int main(void) {
  PartIntegerHash();
  PartFloat();
  PartSort();
  Part64();
  PartControl();
  PartMemory();
  PartStrings();
  return 0;
}
