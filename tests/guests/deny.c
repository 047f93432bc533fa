// Tries operations a read-only preopen /in must refuse and prints, one line
// each, "<what>: refused <ERRNO>" or "<what>: ALLOWED". Exit status 0 only if
// every attempt was refused. The test creates /in/link_out as a symlink to a
// file outside the preopen.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char* ErrnoName(int e) {
  switch (e) {
    case EACCES: return "EACCES";
    case EBADF: return "EBADF";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case EISDIR: return "EISDIR";
    case ELOOP: return "ELOOP";
    case ENOENT: return "ENOENT";
    case ENOSYS: return "ENOSYS";
    case ENOTDIR: return "ENOTDIR";
    case EPERM: return "EPERM";
    case EROFS: return "EROFS";
    case EXDEV: return "EXDEV";
    case ENOTCAPABLE: return "ENOTCAPABLE";
    default: return "E?";
  }
}

static int allowed_count;

// Reports an open attempt; closes the fd if it (wrongly) succeeded.
static void Report(const char* what, int fd, int saved_errno) {
  if (fd >= 0) {
    printf("%s: ALLOWED\n", what);
    close(fd);
    ++allowed_count;
  } else {
    printf("%s: refused %s (%d)\n", what, ErrnoName(saved_errno), saved_errno);
  }
}

static void TryOpen(const char* what, const char* path, int flags) {
  errno = 0;
  int fd = open(path, flags, 0644);
  Report(what, fd, errno);
}

int main(void) {
  TryOpen("write /in/x", "/in/x", O_WRONLY | O_CREAT | O_TRUNC);
  errno = 0;
  FILE* f = fopen("/etc/passwd", "r");
  Report("fopen /etc/passwd", f != NULL ? fileno(f) : -1, errno);
  TryOpen("open /in/../escape.txt", "/in/../escape.txt", O_RDONLY);
  TryOpen("open /in/link_out", "/in/link_out", O_RDONLY);
  printf("%s\n", allowed_count == 0 ? "all refused" : "ESCAPED");
  return allowed_count == 0 ? 0 : 1;
}
