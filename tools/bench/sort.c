// Sorting: the same generated array of ints sorted three ways (own quicksort, own bottom-up
// mergesort, libc qsort), each result verified and folded into the checksum. Exercises
// branches, indexed loads/stores and, for qsort, indirect calls.
//
// usage: sort [COUNT]   (default 1,500,000)
#include "bench.h"

#include <string.h>

static void InsertionSort(int32_t* a, long lo, long hi) {
  for (long i = lo + 1; i <= hi; ++i) {
    int32_t v = a[i];
    long j = i - 1;
    while (j >= lo && a[j] > v) {
      a[j + 1] = a[j];
      --j;
    }
    a[j + 1] = v;
  }
}

static void Swap(int32_t* a, long i, long j) {
  int32_t t = a[i];
  a[i] = a[j];
  a[j] = t;
}

// Median-of-three Hoare quicksort; recurses on the smaller side so depth stays O(log n)
// within wasm's small shadow stack.
static void QuickSort(int32_t* a, long lo, long hi) {
  while (hi - lo > 16) {
    long mid = lo + (hi - lo) / 2;
    if (a[mid] < a[lo])
      Swap(a, mid, lo);
    if (a[hi] < a[lo])
      Swap(a, hi, lo);
    if (a[hi] < a[mid])
      Swap(a, hi, mid);
    int32_t pivot = a[mid];
    long i = lo - 1, j = hi + 1;
    for (;;) {
      do
        ++i;
      while (a[i] < pivot);
      do
        --j;
      while (a[j] > pivot);
      if (i >= j)
        break;
      Swap(a, i, j);
    }
    if (j - lo < hi - j) {
      QuickSort(a, lo, j);
      lo = j + 1;
    } else {
      QuickSort(a, j + 1, hi);
      hi = j;
    }
  }
  InsertionSort(a, lo, hi);
}

static void MergeSort(int32_t* a, int32_t* tmp, long n) {
  int32_t* src = a;
  int32_t* dst = tmp;
  for (long width = 1; width < n; width *= 2) {
    for (long lo = 0; lo < n; lo += 2 * width) {
      long mid = lo + width < n ? lo + width : n;
      long hi = lo + 2 * width < n ? lo + 2 * width : n;
      long i = lo, j = mid, k = lo;
      while (i < mid && j < hi)
        dst[k++] = src[j] < src[i] ? src[j++] : src[i++];
      while (i < mid)
        dst[k++] = src[i++];
      while (j < hi)
        dst[k++] = src[j++];
    }
    int32_t* t = src;
    src = dst;
    dst = t;
  }
  if (src != a)
    memcpy(a, src, (size_t)n * sizeof *a);
}

static int CompareInt(const void* x, const void* y) {
  int32_t a = *(const int32_t*)x, b = *(const int32_t*)y;
  return (a > b) - (a < b);
}

// Returns a checksum of a sorted array, or exits if it is not sorted.
static uint64_t CheckSorted(const char* how, const int32_t* a, long n) {
  uint64_t h = 0;
  for (long i = 0; i < n; ++i) {
    if (i > 0 && a[i - 1] > a[i]) {
      printf("sort: %s result unsorted at %ld\n", how, i);
      exit(1);
    }
    if ((i & 1023) == 0)
      h = BenchMix(h, (uint32_t)a[i]);
  }
  return h;
}

int main(int argc, char** argv) {
  long n = BenchArg(argc, argv, 1, 1500000);
  int32_t* orig = BenchAlloc((size_t)n * sizeof(int32_t));
  int32_t* work = BenchAlloc((size_t)n * sizeof(int32_t));
  int32_t* tmp = BenchAlloc((size_t)n * sizeof(int32_t));
  BenchRng rng = {0xDEADBEEFCAFEF00DULL};
  for (long i = 0; i < n; ++i)
    orig[i] = (int32_t)(BenchNext(&rng) >> 33) - (1 << 30);

  memcpy(work, orig, (size_t)n * sizeof *work);
  QuickSort(work, 0, n - 1);
  uint64_t hq = CheckSorted("quicksort", work, n);

  memcpy(work, orig, (size_t)n * sizeof *work);
  MergeSort(work, tmp, n);
  uint64_t hm = CheckSorted("mergesort", work, n);

  memcpy(work, orig, (size_t)n * sizeof *work);
  qsort(work, (size_t)n, sizeof *work, CompareInt);
  uint64_t hs = CheckSorted("qsort", work, n);

  if (hq != hm || hq != hs) {
    printf("sort: results differ\n");
    return 1;
  }
  printf("sort n=%ld min=%d median=%d max=%d checksum=%016llx\n", n, work[0], work[n / 2],
         work[n - 1], (unsigned long long)hq);
  free(orig);
  free(work);
  free(tmp);
  return 0;
}
