// Shared helpers for the I/O benchmark guests (io_*.c): a monotonic clock for the timed
// section and the one line run-io-bench.py and io_smoke.cmake parse. Header-only, like bench.h,
// so each benchmark stays one translation unit for capsa_add_c_guest / capsa_add_native_twin.
//
// Every io_* program does the same calls in both builds with plain POSIX functions that
// wasi-libc maps to single WASI calls (write -> fd_write, read -> fd_read, close -> fd_close;
// open -> fd_fdstat_get of the directory + path_open, which is wasi-libc's own choice). No
// stdio inside a timed section: stdout is printed once at the end, so its buffering never adds
// or merges calls.
#ifndef CAPSA_TOOLS_BENCH_IO_BENCH_H_
#define CAPSA_TOOLS_BENCH_IO_BENCH_H_

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

static inline int64_t IoNowNs(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
    perror("clock_gettime");
    exit(3);
  }
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

// The timed section's length, on stderr so stdout stays comparable byte for byte between the
// native and the wasm run. run-io-bench.py reads this line.
static inline void IoReportElapsed(int64_t start_ns, int64_t end_ns) {
  fprintf(stderr, "io-bench-elapsed-ns %lld\n", (long long)(end_ns - start_ns));
}

static inline void IoFail(const char* what, const char* path) {
  fprintf(stderr, "%s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

// argv[index] or exit 2 with the usage line.
static inline const char* IoPathArg(int argc, char** argv, int index, const char* usage) {
  if (argc <= index) {
    fprintf(stderr, "usage: %s %s\n", argv[0], usage);
    exit(2);
  }
  return argv[index];
}

#endif  // CAPSA_TOOLS_BENCH_IO_BENCH_H_
