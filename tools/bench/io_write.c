// usage: io_write FILE [COUNT [SIZE]]   (defaults: 100000 writes of 16 bytes)
// COUNT write() calls of SIZE bytes each to FILE (created or truncated): under wasi-libc each is
// exactly one fd_write with one iovec, so this measures the per-call cost of the WASI layer.
// Each record carries its index, so the file's checksum shows every write landed in order.
#include <fcntl.h>
#include <unistd.h>

#include "io_bench.h"

int main(int argc, char** argv) {
  const char* path = IoPathArg(argc, argv, 1, "FILE [COUNT [SIZE]]");
  const long count = BenchArg(argc, argv, 2, 100000);
  const long size = BenchArg(argc, argv, 3, 16);
  if (size < 8 || size > 4096) {
    fprintf(stderr, "%s: SIZE must be 8..4096\n", argv[0]);
    return 2;
  }
  char record[4096];
  for (long i = 0; i < size; ++i)
    record[i] = (char)('a' + i % 26);
  const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    IoFail("open", path);

  const int64_t start = IoNowNs();
  for (long i = 0; i < count; ++i) {
    const uint64_t tag = (uint64_t)i;
    memcpy(record, &tag, sizeof tag);  // little-endian on both targets
    if (write(fd, record, (size_t)size) != size)
      IoFail("write", path);
  }
  const int64_t end = IoNowNs();

  if (close(fd) != 0)
    IoFail("close", path);
  IoReportElapsed(start, end);
  printf("io_write: %ld writes of %ld bytes, %lld bytes\n", count, size,
         (long long)count * size);
  return 0;
}
