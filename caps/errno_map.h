// Host (Linux) errno -> WASI errno. Pure; async-signal-safe.
#pragma once

#include "engine/wasi/wasi_types.h"

namespace capsa::caps {

// Every Linux errno that has a WASI counterpart maps to it (EWOULDBLOCK is
// EAGAIN, EOPNOTSUPP is ENOTSUP, EDEADLOCK is EDEADLK); the rest map to EIO.
// 0 maps to kSuccess.
wasi::Errno ErrnoFromHost(int host_errno);

// "ENOENT", "ENOTCAPABLE", ... for logs ("E?" for values outside the enum).
const char* WasiErrnoName(wasi::Errno e);

}  // namespace capsa::caps
