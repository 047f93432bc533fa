// Prints a greeting and the argument count.
#include <stdio.h>

int main(int argc, char** argv) {
  (void)argv;
  printf("hello from capsa\n");
  printf("argc=%d\n", argc);
  return 0;
}
