// usage: io_copy IN_FILE OUT_FILE [BLOCK]   (default block 65536 bytes)
// Copies IN_FILE to OUT_FILE (created or truncated) with read()/write() of BLOCK bytes: one
// fd_read and one fd_write per block under wasi-libc, the bytes moving straight between the
// file and guest memory. run-io-bench.py generates the input and compares the copy with it.
#include <fcntl.h>
#include <unistd.h>

#include "io_bench.h"

#define kMaxBlock (1 << 20)
static char buffer[kMaxBlock];

int main(int argc, char** argv) {
  const char* in_path = IoPathArg(argc, argv, 1, "IN_FILE OUT_FILE [BLOCK]");
  const char* out_path = IoPathArg(argc, argv, 2, "IN_FILE OUT_FILE [BLOCK]");
  const long block = BenchArg(argc, argv, 3, 65536);
  if (block > kMaxBlock) {
    fprintf(stderr, "%s: BLOCK must be at most %d\n", argv[0], kMaxBlock);
    return 2;
  }
  const int in = open(in_path, O_RDONLY);
  if (in < 0)
    IoFail("open", in_path);
  const int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0)
    IoFail("open", out_path);

  long long total = 0;
  long reads = 0, writes = 0;
  const int64_t start = IoNowNs();
  for (;;) {
    const ssize_t n = read(in, buffer, (size_t)block);
    ++reads;
    if (n < 0)
      IoFail("read", in_path);
    if (n == 0)
      break;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = write(out, buffer + done, (size_t)(n - done));
      ++writes;
      if (w <= 0)
        IoFail("write", out_path);
      done += w;
    }
    total += n;
  }
  const int64_t end = IoNowNs();

  if (close(in) != 0)
    IoFail("close", in_path);
  if (close(out) != 0)
    IoFail("close", out_path);
  IoReportElapsed(start, end);
  printf("io_copy: %lld bytes, %ld reads, %ld writes of at most %ld bytes\n", total, reads,
         writes, block);
  return 0;
}
