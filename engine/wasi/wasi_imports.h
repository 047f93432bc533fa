// The guest side of wasi_snapshot_preview1: one host function per WASI import
// that reads its arguments out of the calling instance's memory 0, bounds-
// checks them (EFAULT-style errno on a bad pointer, never a host fault) and
// calls the WasiHost. Every preview1 function name is defined; those the host
// does not implement return ENOSYS via WasiHost::Unsupported.
#pragma once

#include "engine/runtime.h"
#include "engine/wasi/wasi_host.h"

namespace capsa::wasi {

inline constexpr const char* kModuleName = "wasi_snapshot_preview1";

// Defines every wasi_snapshot_preview1 function in `linker`, bound to `host`.
// `host` must outlive every instance linked against it. proc_exit unwinds the
// guest with engine::Trap{kind = kExit, exit_code = code}.
void DefineWasiImports(engine::Linker& linker, WasiHost& host);

}  // namespace capsa::wasi
