// For each argument "r:PATH" (open read-only) or "c:PATH" (create, truncate,
// write "pwned"), opens PATH through wasi-libc and prints one line:
//   PATH<TAB>OK<TAB><first bytes read or written>   or   PATH<TAB>ERR<TAB><errno>
// The errno is wasi-libc's, which is the WASI errno number.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    if (strlen(arg) < 2 || arg[1] != ':') {
      printf("%s\tBADARG\n", arg);
      continue;
    }
    const char* path = arg + 2;
    const int create = arg[0] == 'c';
    errno = 0;
    const int fd = create ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : open(path, O_RDONLY);
    if (fd < 0) {
      printf("%s\tERR\t%d\n", path, errno);
      continue;
    }
    char buf[64] = {0};
    ssize_t n = create ? write(fd, "pwned", 5) : read(fd, buf, sizeof buf - 1);
    if (n < 0) n = 0;
    buf[n] = 0;
    for (ssize_t k = 0; k < n; ++k) if (buf[k] == '\n' || buf[k] == '\t') buf[k] = ' ';
    printf("%s\tOK\t%s\n", path, create ? "wrote" : buf);
    close(fd);
  }
  return 0;
}
