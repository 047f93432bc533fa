// Accepts one connection on the preopened listener (argv[1], the guest fd;
// 3 when no --dir is given), reads one line, sends it back, shuts the
// connection down for writing and exits 0. Any failure prints the call and
// its errno and exits 1.
#include <stdio.h>
#include <stdlib.h>
#include <wasi/api.h>

static int Fail(const char* what, __wasi_errno_t e) {
  printf("%s failed: errno %u\n", what, (unsigned)e);
  return 1;
}

int main(int argc, char** argv) {
  const __wasi_fd_t listener = argc > 1 ? (__wasi_fd_t)atoi(argv[1]) : 3;
  __wasi_fdstat_t st;
  __wasi_errno_t e = __wasi_fd_fdstat_get(listener, &st);
  if (e != 0) return Fail("fd_fdstat_get", e);
  if (st.fs_filetype != __WASI_FILETYPE_SOCKET_STREAM) return Fail("filetype", st.fs_filetype);
  __wasi_fd_t conn;
  e = __wasi_sock_accept(listener, 0, &conn);
  if (e != 0) return Fail("sock_accept", e);
  char line[256];
  size_t len = 0;
  while (len < sizeof line) {  // up to and including the first '\n'
    __wasi_iovec_t iov = {(uint8_t*)line + len, sizeof line - len};
    __wasi_size_t n;
    __wasi_roflags_t ro;
    e = __wasi_sock_recv(conn, &iov, 1, 0, &n, &ro);
    if (e != 0) return Fail("sock_recv", e);
    if (n == 0) break;
    len += n;
    int done = 0;
    for (size_t i = 0; i < len; ++i) done |= line[i] == '\n';
    if (done) break;
  }
  size_t off = 0;
  while (off < len) {
    __wasi_ciovec_t ciov = {(const uint8_t*)line + off, len - off};
    __wasi_size_t n;
    e = __wasi_sock_send(conn, &ciov, 1, 0, &n);
    if (e != 0) return Fail("sock_send", e);
    off += n;
  }
  e = __wasi_sock_shutdown(conn, __WASI_SDFLAGS_WR);
  if (e != 0) return Fail("sock_shutdown", e);
  printf("echoed %zu bytes\n", len);
  return 0;
}
