// Tries rename(2) or link(2) of argv[2] to argv[3] (argv[1] = "rename" |
// "link") and prints "ok" or the errno name; used to attack deny rules.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  int rc = strcmp(argv[1], "rename") == 0 ? rename(argv[2], argv[3]) : link(argv[2], argv[3]);
  if (rc == 0) {
    printf("%s ok\n", argv[1]);
  } else {
    printf("%s %s\n", argv[1], errno == EACCES ? "EACCES" : strerror(errno));
  }
  return rc == 0 ? 0 : 1;
}
