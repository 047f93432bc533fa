// usage: io_readdir DIR [PASSES]   (default 1 pass)
// opendir/readdir/closedir over DIR (run-io-bench.py fills it with 10,000 empty files). Prints
// the entry count and an order-independent hash of the names, so native and wasm runs compare
// byte for byte whatever order the filesystem returns.
#include <dirent.h>

#include "io_bench.h"

static uint64_t NameHash(const char* name) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (const unsigned char* p = (const unsigned char*)name; *p != 0; ++p)
    h = (h ^ *p) * 0x100000001b3ULL;
  return h;
}

int main(int argc, char** argv) {
  const char* path = IoPathArg(argc, argv, 1, "DIR [PASSES]");
  const long passes = BenchArg(argc, argv, 2, 1);
  long entries = 0;
  uint64_t sum = 0;

  const int64_t start = IoNowNs();
  for (long pass = 0; pass < passes; ++pass) {
    DIR* dir = opendir(path);
    if (dir == NULL)
      IoFail("opendir", path);
    errno = 0;
    struct dirent* e;
    while ((e = readdir(dir)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        continue;
      ++entries;
      sum += NameHash(e->d_name);
    }
    if (errno != 0)
      IoFail("readdir", path);
    closedir(dir);
  }
  const int64_t end = IoNowNs();

  IoReportElapsed(start, end);
  printf("io_readdir: %ld passes, %ld entries, name hash %016llx\n", passes, entries,
         (unsigned long long)sum);
  return 0;
}
