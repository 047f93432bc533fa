// Conversions from the host's view of a descriptor (struct stat, open flags)
// to WASI's (filetype, filestat, fdflags).
#pragma once

#include <sys/stat.h>

#include "engine/wasi/wasi_types.h"

namespace capsa::caps {

// The WASI filetype of `fd` whose fstat mode is `mode` (sockets are asked
// SO_TYPE to tell datagram from stream). FIFOs are kUnknown, as in wasmtime.
wasi::FileType FileTypeOf(int fd, mode_t mode);

// fstat(fd) -> FileStat; returns the host errno (0 on success).
int StatFd(int fd, wasi::FileStat* out);

// O_APPEND/O_NONBLOCK/O_DSYNC/O_SYNC/O_RSYNC -> WASI fdflags (pure).
wasi::FdFlags FdFlagsFromOpenFlags(int open_flags);

}  // namespace capsa::caps
