// usage: io_open DIR [COUNT [FILES]]   (defaults: 10000 opens over 10000 files)
// COUNT open(O_RDONLY) + close() pairs on DIR/f00000 ... DIR/f<FILES-1> in turn (run-io-bench.py
// creates them). Under wasi-libc each open() is fd_fdstat_get on the preopen (wasi-libc reads
// the directory's inheritable rights first) + path_open, and close() is fd_close.
#include <fcntl.h>
#include <unistd.h>

#include "io_bench.h"

int main(int argc, char** argv) {
  const char* dir = IoPathArg(argc, argv, 1, "DIR [COUNT [FILES]]");
  const long count = BenchArg(argc, argv, 2, 10000);
  const long files = BenchArg(argc, argv, 3, 10000);
  if (files > 100000) {
    fprintf(stderr, "%s: FILES must be at most 100000\n", argv[0]);
    return 2;
  }
  // The paths are built before the clock starts: the timed loop is only open + close.
  const size_t stride = strlen(dir) + sizeof("/f00000");
  char* paths = BenchAlloc(stride * (size_t)files);
  for (long i = 0; i < files; ++i)
    snprintf(paths + stride * (size_t)i, stride, "%s/f%05ld", dir, i);

  long opened = 0;
  const int64_t start = IoNowNs();
  for (long i = 0; i < count; ++i) {
    const char* path = paths + stride * (size_t)(i % files);
    const int fd = open(path, O_RDONLY);
    if (fd < 0)
      IoFail("open", path);
    if (close(fd) != 0)
      IoFail("close", path);
    ++opened;
  }
  const int64_t end = IoNowNs();

  IoReportElapsed(start, end);
  printf("io_open: %ld open+close pairs over %ld files\n", opened, files);
  free(paths);
  return 0;
}
