// Exercises the preview1 directory and file calls through raw WASI imports on
// the read-write preopen at fd 3, printing one "<check>: <result>" line each;
// tests/e2e/e2e_test.cc compares the lines and then checks the effects on the
// host's disk. Expects an empty preopen.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

#define DIR_FD 3

static const char* Name(__wasi_errno_t e) {
  switch (e) {
    case __WASI_ERRNO_SUCCESS: return "OK";
    case __WASI_ERRNO_BADF: return "EBADF";
    case __WASI_ERRNO_BUSY: return "EBUSY";
    case __WASI_ERRNO_EXIST: return "EEXIST";
    case __WASI_ERRNO_FAULT: return "EFAULT";
    case __WASI_ERRNO_INVAL: return "EINVAL";
    case __WASI_ERRNO_ISDIR: return "EISDIR";
    case __WASI_ERRNO_LOOP: return "ELOOP";
    case __WASI_ERRNO_NOENT: return "ENOENT";
    case __WASI_ERRNO_NOSYS: return "ENOSYS";
    case __WASI_ERRNO_NOTDIR: return "ENOTDIR";
    case __WASI_ERRNO_NOTEMPTY: return "ENOTEMPTY";
    case __WASI_ERRNO_PERM: return "EPERM";
    case __WASI_ERRNO_NOTCAPABLE: return "ENOTCAPABLE";
    default: {
      static char buf[16];
      snprintf(buf, sizeof buf, "E%d", e);
      return buf;
    }
  }
}

static void Show(const char* what, __wasi_errno_t e) { printf("%s: %s\n", what, Name(e)); }

static const __wasi_rights_t kAll = ~(__wasi_rights_t)0 >> 35;  // every preview1 right

static __wasi_fd_t Open(__wasi_fd_t dir, const char* path, __wasi_oflags_t oflags,
                        __wasi_rights_t rights, __wasi_errno_t* err) {
  __wasi_fd_t fd = (__wasi_fd_t)-1;
  *err = __wasi_path_open(dir, 0, path, oflags, rights, rights, 0, &fd);
  return fd;
}

static void WriteFile(const char* path, const char* text) {
  __wasi_errno_t e;
  __wasi_fd_t fd = Open(DIR_FD, path, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, kAll, &e);
  if (e != 0) {
    Show("create", e);
    exit(2);
  }
  __wasi_ciovec_t iov = {(const uint8_t*)text, strlen(text)};
  __wasi_size_t n;
  (void)__wasi_fd_write(fd, &iov, 1, &n);
  (void)__wasi_fd_close(fd);
}

static int CompareStrings(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

// Lists fd with a buffer of buf_len bytes, resuming from the last whole
// entry's cookie after each call, and prints the sorted names and the number
// of calls it took.
static void ListDir(__wasi_fd_t fd, size_t buf_len) {
  uint8_t buf[512];
  char* names[64];
  int count = 0;
  int calls = 0;
  __wasi_dircookie_t cookie = 0;
  for (;;) {
    __wasi_size_t used = 0;
    __wasi_errno_t e = __wasi_fd_readdir(fd, buf, buf_len, cookie, &used);
    ++calls;
    if (e != 0) {
      Show("readdir", e);
      return;
    }
    size_t at = 0;
    while (at + sizeof(__wasi_dirent_t) <= used) {
      __wasi_dirent_t d;
      memcpy(&d, buf + at, sizeof d);
      if (at + sizeof d + d.d_namlen > used) break;  // truncated: resume from its cookie
      if (count < 64) names[count++] = strndup((const char*)buf + at + sizeof d, d.d_namlen);
      cookie = d.d_next;
      at += sizeof d + d.d_namlen;
    }
    if (used < buf_len) break;
    if (calls > 100) {
      printf("readdir: LOOPING\n");
      return;
    }
  }
  qsort(names, (size_t)count, sizeof names[0], CompareStrings);
  printf("readdir(%zu):", buf_len);
  for (int i = 0; i < count; ++i) printf(" %s", names[i]);
  printf(" (%s)\n", calls > 1 ? "resumed" : "one call");
}

// The broker writes the dirents into this memory itself: a buffer of any
// length gets exactly the first buf_len bytes of the whole listing (the last
// entry cut, wasmtime's rule), bufused == buf_len, and nothing past the buffer.
static void CheckReaddirCut(__wasi_fd_t fd) {
  uint8_t full[512];
  uint8_t cut[sizeof full + 16];
  __wasi_size_t full_used = 0;
  if (__wasi_fd_readdir(fd, full, sizeof full, 0, &full_used) != 0 || full_used >= sizeof full) {
    printf("readdir cut: no full listing\n");
    return;
  }
  int bad = 0;
  for (__wasi_size_t len = 0; len <= full_used + 8; ++len) {
    memset(cut, 0xAA, sizeof cut);
    __wasi_size_t used = 12345;
    if (__wasi_fd_readdir(fd, cut, len, 0, &used) != 0) ++bad;
    const __wasi_size_t want = len < full_used ? len : full_used;
    if (used != want || memcmp(cut, full, want) != 0) ++bad;
    for (size_t i = want; i < sizeof cut; ++i) bad += cut[i] != 0xAA;
  }
  printf("readdir cut: %s\n", bad == 0 ? "exact prefix at every length" : "WRONG");
  __wasi_size_t used = 0;
  Show("readdir past memory", __wasi_fd_readdir(fd, (uint8_t*)0xfffffff0u, 32, 0, &used));
}

static __wasi_timestamp_t Now(void) {
  __wasi_timestamp_t t = 0;
  (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t);
  return t;
}

int main(void) {
  __wasi_errno_t e;
  WriteFile("a.txt", "hello");
  Show("mkdir sub", __wasi_path_create_directory(DIR_FD, "sub"));
  WriteFile("sub/keep", "k");

  // Renames, links, symlinks: results checked on disk by the test.
  Show("rename a.txt sub/b.txt", __wasi_path_rename(DIR_FD, "a.txt", DIR_FD, "sub/b.txt"));
  Show("link sub/b.txt c.txt", __wasi_path_link(DIR_FD, 0, "sub/b.txt", DIR_FD, "c.txt"));
  Show("symlink sub/b.txt s", __wasi_path_symlink("sub/b.txt", DIR_FD, "s"));
  char target[64] = {0};
  __wasi_size_t used = 0;
  e = __wasi_path_readlink(DIR_FD, "s", (uint8_t*)target, sizeof target - 1, &used);
  printf("readlink s: %s '%.*s'\n", Name(e), (int)used, target);
  e = __wasi_path_readlink(DIR_FD, "s", (uint8_t*)target, 3, &used);
  printf("readlink s short: %s '%.*s'\n", Name(e), (int)used, target);
  WriteFile("gone", "x");
  Show("unlink gone", __wasi_path_unlink_file(DIR_FD, "gone"));

  // Directory listings: one big call, and 40-byte buffers that need resuming.
  ListDir(DIR_FD, 512);
  ListDir(DIR_FD, 40);
  CheckReaddirCut(DIR_FD);

  // File times set and read back.
  const __wasi_timestamp_t atim = 1000000000ull * 1000 + 5;
  const __wasi_timestamp_t mtim = 1000000000ull * 2000 + 7;
  Show("set times c.txt", __wasi_path_filestat_set_times(
                              DIR_FD, 0, "c.txt", atim, mtim,
                              __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  __wasi_filestat_t st;
  e = __wasi_path_filestat_get(DIR_FD, 0, "c.txt", &st);
  printf("times c.txt: %s atim_ok=%d mtim_ok=%d nlink=%llu\n", Name(e), st.atim == atim,
         st.mtim == mtim, (unsigned long long)st.nlink);
  __wasi_fd_t cfd = Open(DIR_FD, "c.txt", 0, kAll, &e);
  Show("fd set times", __wasi_fd_filestat_set_times(cfd, 0, mtim + 1000, __WASI_FSTFLAGS_MTIM));
  (void)__wasi_fd_filestat_get(cfd, &st);
  printf("fd times: mtim_ok=%d atim_kept=%d\n", st.mtim == mtim + 1000, st.atim == atim);
  Show("fd set size 3", __wasi_fd_filestat_set_size(cfd, 3));
  (void)__wasi_fd_filestat_get(cfd, &st);
  printf("size: %llu\n", (unsigned long long)st.size);

  // fd_renumber: cfd moves onto another open fd number.
  __wasi_fd_t other = Open(DIR_FD, "sub/keep", 0, kAll, &e);
  Show("renumber", __wasi_fd_renumber(cfd, other));
  char rd[8] = {0};
  __wasi_iovec_t riov = {(uint8_t*)rd, sizeof rd - 1};
  __wasi_size_t n = 0;
  Show("read renumbered", __wasi_fd_read(other, &riov, 1, &n));
  printf("renumbered content: '%.*s'\n", (int)n, rd);
  Show("old number closed", __wasi_fd_close(cfd));

  // poll_oneoff: a relative 50 ms monotonic clock sleeps at least that long.
  __wasi_subscription_t sub;
  memset(&sub, 0, sizeof sub);
  sub.userdata = 42;
  sub.u.tag = __WASI_EVENTTYPE_CLOCK;
  sub.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  sub.u.u.clock.timeout = 50 * 1000000ull;
  __wasi_event_t ev;
  __wasi_size_t nev = 0;
  const __wasi_timestamp_t t0 = Now();
  e = __wasi_poll_oneoff(&sub, &ev, 1, &nev);
  const __wasi_timestamp_t slept = Now() - t0;
  printf("poll clock: %s events=%u userdata=%llu slept_enough=%d\n", Name(e), (unsigned)nev,
         (unsigned long long)ev.userdata, slept >= 50 * 1000000ull);
  // An absolute deadline in the past fires at once.
  sub.u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
  sub.u.u.clock.timeout = 1;
  e = __wasi_poll_oneoff(&sub, &ev, 1, &nev);
  printf("poll abstime past: %s events=%u\n", Name(e), (unsigned)nev);
  // fd_write on stdout is ready at once.
  __wasi_subscription_t wsub;
  memset(&wsub, 0, sizeof wsub);
  wsub.userdata = 7;
  wsub.u.tag = __WASI_EVENTTYPE_FD_WRITE;
  wsub.u.u.fd_write.file_descriptor = 1;
  e = __wasi_poll_oneoff(&wsub, &ev, 1, &nev);
  printf("poll stdout write: %s events=%u type=%d error=%d\n", Name(e), (unsigned)nev, ev.type,
         ev.error);

  // Errno edge cases.
  __wasi_fd_t fd;
  fd = Open(DIR_FD, "c.txt/", 0, kAll, &e);
  Show("open file with trailing slash", e);
  fd = Open(DIR_FD, "c.txt", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ, &e);
  Show("open file O_DIRECTORY", e);
  fd = Open(DIR_FD, "sub", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_WRITE, &e);
  Show("open dir O_DIRECTORY for writing", e);
  fd = Open(DIR_FD, "../x", 0, kAll, &e);
  Show("open ../x", e);
  Show("rmdir non-empty", __wasi_path_remove_directory(DIR_FD, "sub"));
  Show("unlink a directory", __wasi_path_unlink_file(DIR_FD, "sub"));
  Show("rename out", __wasi_path_rename(DIR_FD, "c.txt", DIR_FD, "../out"));
  Show("rename file/", __wasi_path_rename(DIR_FD, "c.txt/", DIR_FD, "d.txt"));
  Show("rename .", __wasi_path_rename(DIR_FD, ".", DIR_FD, "dot"));
  Show("symlink absolute", __wasi_path_symlink("/etc/passwd", DIR_FD, "abs"));
  Show("symlink exists", __wasi_path_symlink("x", DIR_FD, "c.txt"));
  Show("link follow", __wasi_path_link(DIR_FD, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "s", DIR_FD,
                                       "l2"));
  Show("link to dir", __wasi_path_link(DIR_FD, 0, "sub", DIR_FD, "sub2"));
  Show("readlink not a link", __wasi_path_readlink(DIR_FD, "c.txt", (uint8_t*)target, 8, &used));
  fd = Open(DIR_FD, "c.txt", 0, kAll, &e);
  Show("readdir on a file", __wasi_fd_readdir(fd, (uint8_t*)target, 8, 0, &used));
  (void)__wasi_fd_close(fd);

  // Rights: a directory handle that may only open and list.
  const __wasi_rights_t list_only = __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR;
  __wasi_fd_t lim = (__wasi_fd_t)-1;
  e = __wasi_path_open(DIR_FD, 0, ".", __WASI_OFLAGS_DIRECTORY, list_only,
                       __WASI_RIGHTS_FD_READ, 0, &lim);
  Show("open list-only", e);
  Show("denied rename", __wasi_path_rename(lim, "c.txt", DIR_FD, "r.txt"));
  Show("denied rename target", __wasi_path_rename(DIR_FD, "c.txt", lim, "r.txt"));
  Show("denied link", __wasi_path_link(lim, 0, "c.txt", DIR_FD, "l.txt"));
  Show("denied link target", __wasi_path_link(DIR_FD, 0, "c.txt", lim, "l.txt"));
  Show("denied symlink", __wasi_path_symlink("c.txt", lim, "y"));
  Show("denied readlink", __wasi_path_readlink(lim, "s", (uint8_t*)target, 8, &used));
  Show("denied set times", __wasi_path_filestat_set_times(lim, 0, "c.txt", 1, 1,
                                                          __WASI_FSTFLAGS_ATIM));
  Show("denied unlink", __wasi_path_unlink_file(lim, "c.txt"));
  Show("denied trunc", (Open(lim, "c.txt", __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_READ, &e), e));
  Show("denied add rights", __wasi_fd_fdstat_set_rights(lim, kAll, kAll));
  __wasi_fd_t ro = Open(lim, "c.txt", 0, __WASI_RIGHTS_FD_READ, &e);
  Show("open read-only child", e);
  Show("denied set size", __wasi_fd_filestat_set_size(ro, 0));
  Show("denied fd set times", __wasi_fd_filestat_set_times(ro, 1, 1, __WASI_FSTFLAGS_ATIM));
  Show("denied allocate", __wasi_fd_allocate(ro, 0, 100));
  __wasi_ciovec_t wiov = {(const uint8_t*)"zz", 2};
  Show("denied write", __wasi_fd_write(ro, &wiov, 1, &n));
  Show("drop rights", __wasi_fd_fdstat_set_rights(lim, __WASI_RIGHTS_PATH_OPEN, 0));
  Show("denied readdir", __wasi_fd_readdir(lim, (uint8_t*)target, 8, 0, &used));
  // Append-only: a handle with fd_write|fd_append semantics but no fd_seek.
  __wasi_fd_t ap = (__wasi_fd_t)-1;
  e = __wasi_path_open(DIR_FD, 0, "c.txt", 0, __WASI_RIGHTS_FD_WRITE |
                       __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS, 0, __WASI_FDFLAGS_APPEND, &ap);
  Show("open append-only", e);
  Show("denied clear append", __wasi_fd_fdstat_set_flags(ap, 0));
  // readdir of a directory that changes between calls ends, without looping:
  // each resumed call removes one entry and adds another.
  (void)__wasi_path_create_directory(DIR_FD, "chg");
  char name[32];
  for (int i = 0; i < 20; ++i) {
    snprintf(name, sizeof name, "chg/f%02d", i);
    WriteFile(name, "");
  }
  __wasi_fd_t chg = Open(DIR_FD, "chg", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, &e);
  __wasi_dircookie_t cookie = 0;
  int calls = 0;
  int seen = 0;
  uint8_t small[48];
  for (; calls < 1000; ++calls) {
    __wasi_size_t got = 0;
    if (__wasi_fd_readdir(chg, small, sizeof small, cookie, &got) != 0) break;
    __wasi_dirent_t d;
    if (got < sizeof d) break;
    memcpy(&d, small, sizeof d);
    cookie = d.d_next;
    ++seen;
    snprintf(name, sizeof name, "chg/f%02d", calls % 20);
    (void)__wasi_path_unlink_file(DIR_FD, name);
    snprintf(name, sizeof name, "chg/g%03d", calls);
    WriteFile(name, "");
  }
  printf("readdir changing: %s\n", calls < 1000 && seen >= 2 ? "terminated" : "LOOPING");
  // Times the host reads back after the run (nothing touches t.txt after this).
  WriteFile("t.txt", "t");
  Show("set times t.txt", __wasi_path_filestat_set_times(
                              DIR_FD, 0, "t.txt", 1000000000ull * 3000 + 9,
                              1000000000ull * 4000 + 11,
                              __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  return 0;
}
