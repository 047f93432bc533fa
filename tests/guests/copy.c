// copy SRC DST: copies a file and prints the number of bytes copied.
// Exit status: 0 on success, 1 on any failure (reported on stderr).
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: copy SRC DST\n");
    return 1;
  }
  FILE* in = fopen(argv[1], "rb");
  if (in == NULL) {
    fprintf(stderr, "copy: open %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  FILE* out = fopen(argv[2], "wb");
  if (out == NULL) {
    fprintf(stderr, "copy: create %s: %s\n", argv[2], strerror(errno));
    fclose(in);
    return 1;
  }
  static char buffer[64 * 1024];
  unsigned long long total = 0;
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, in)) > 0) {
    if (fwrite(buffer, 1, n, out) != n) {
      fprintf(stderr, "copy: write %s: %s\n", argv[2], strerror(errno));
      return 1;
    }
    total += n;
  }
  if (ferror(in)) {
    fprintf(stderr, "copy: read %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  fclose(in);
  if (fclose(out) != 0) {
    fprintf(stderr, "copy: close %s: %s\n", argv[2], strerror(errno));
    return 1;
  }
  printf("copied %llu bytes\n", total);
  return 0;
}
