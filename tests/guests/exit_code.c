// exit_code N: exits with status N via exit(), i.e. proc_exit(N).
#include <stdlib.h>

int main(int argc, char** argv) {
  exit(argc > 1 ? atoi(argv[1]) : 7);
}
