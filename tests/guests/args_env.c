// Prints every argument and every environment entry, one per line.
#include <stdio.h>

extern char** environ;

int main(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) printf("argv[%d]=%s\n", i, argv[i]);
  int count = 0;
  for (char** e = environ; e != NULL && *e != NULL; ++e, ++count) printf("env: %s\n", *e);
  printf("envc=%d\n", count);
  return 0;
}
