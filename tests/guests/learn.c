// The learn-mode round trip (tests/policy/learn_roundtrip_test.cc): reads
// /data/in/a.txt, writes its text to /data/out/b.txt, prints what it did.
// With the argument "secret" it also tries /data/in/secret/key (a deny-rule
// target) and "escape" tries /data/in/../../etc/passwd; "spin" (first)
// loops forever.
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void TryRead(const char* what, const char* path) {
  FILE* f = fopen(path, "r");
  if (f == NULL) {
    printf("%s: refused (%s)\n", what, strerror(errno));
    return;
  }
  printf("%s: READ\n", what);
  fclose(f);
}

int main(int argc, char** argv) {
  // "spin": never end (timeout and kill tests).
  if (argc > 1 && strcmp(argv[1], "spin") == 0) {
    for (volatile unsigned i = 0;; ++i) {
    }
  }
  char text[256] = {0};
  FILE* in = fopen("/data/in/a.txt", "r");
  if (in == NULL) {
    printf("open /data/in/a.txt: %s\n", strerror(errno));
    return 1;
  }
  size_t n = fread(text, 1, sizeof text - 1, in);
  fclose(in);
  text[n] = '\0';
  printf("read: %s", text);
  FILE* out = fopen("/data/out/b.txt", "w");
  if (out == NULL) {
    printf("open /data/out/b.txt: %s\n", strerror(errno));
    return 2;
  }
  fprintf(out, "copied: %s", text);
  fclose(out);
  printf("wrote /data/out/b.txt\n");
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "secret") == 0) TryRead("secret", "/data/in/secret/key");
    if (strcmp(argv[i], "escape") == 0) TryRead("escape", "/data/in/../../etc/passwd");
  }
  return 0;
}
