// Shared by the files that implement the wasi_snapshot_preview1 imports
// (wasi_imports.cc, wasi_fd_imports.cc, wasi_path_imports.cc). Not part of
// the engine's API.
//
// Each import is a plain function from (host, guest memory, raw wasm args) to
// an errno, listed in a table with its wasm signature; DefineWasiImports turns
// the tables into host functions. Every import checks all of its guest
// pointers *before* calling the host, so a host call never succeeds (opens a
// file, consumes input) only for its result to be lost to a bad pointer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/runtime.h"
#include "engine/wasi/guest_memory.h"
#include "engine/wasi/wasi_host.h"

namespace capsa::wasi::internal {

// Longest path a guest may pass (bytes); longer is ENAMETOOLONG. Matches
// Linux's PATH_MAX so nothing the kernel would accept is refused.
inline constexpr uint32_t kMaxPathLength = 4096;
// Most iovecs in one call; more is EINVAL, as for Linux readv/writev (IOV_MAX).
inline constexpr uint32_t kMaxIoVecs = 1024;

// The raw wasm arguments of one call, typed by the import's signature.
class ImportArgs {
 public:
  explicit ImportArgs(std::span<const engine::Value> values) : values_(values) {}
  uint32_t U32(size_t i) const { return values_[i].i32; }
  uint64_t U64(size_t i) const { return values_[i].i64; }

 private:
  std::span<const engine::Value> values_;
};

using ImportFn = Errno (*)(WasiHost& host, const GuestMemory& memory, const ImportArgs& args);

struct ImportSpec {
  const char* name;
  // One letter per parameter: 'i' = i32, 'I' = i64. Every import in these
  // tables returns one i32 (the errno); proc_exit is defined separately.
  const char* params;
  ImportFn fn;
};

std::span<const ImportSpec> ProcImports();  // args, environ, clock, random, poll, sched, proc, sock
std::span<const ImportSpec> FdImports();
std::span<const ImportSpec> PathImports();

// Reads `count` iovecs (or ciovecs) at `offset` and checks that each buffer
// lies inside memory. EINVAL past kMaxIoVecs, EFAULT on any bad range.
Errno ReadIoVecs(const GuestMemory& memory,
                 uint32_t offset,
                 uint32_t count,
                 std::vector<IoVec>* iovs);

// Copies a path out of guest memory once. ENAMETOOLONG past kMaxPathLength,
// EFAULT when out of bounds, EINVAL when it contains a NUL byte (the host's
// C string would silently end there).
Errno ReadPath(const GuestMemory& memory, uint32_t offset, uint32_t length, std::string* path);

// Writes the 64-byte filestat layout at `offset` (already bounds-checked or not:
// returns false when out of bounds).
bool StoreFileStat(const GuestMemory& memory, uint32_t offset, const FileStat& stat);

inline constexpr FdFlags kAllFdFlags =
    fdflag::kAppend | fdflag::kDsync | fdflag::kNonblock | fdflag::kRsync | fdflag::kSync;
inline constexpr FstFlags kAllFstFlags =
    fstflag::kAtim | fstflag::kAtimNow | fstflag::kMtim | fstflag::kMtimNow;

// fst_flags are EINVAL with unknown bits, or with "set to this time" together
// with "set to now" for the same timestamp.
inline bool ValidFstFlags(uint32_t flags) {
  if ((flags & ~uint32_t{kAllFstFlags}) != 0)
    return false;
  if ((flags & fstflag::kAtim) && (flags & fstflag::kAtimNow))
    return false;
  if ((flags & fstflag::kMtim) && (flags & fstflag::kMtimNow))
    return false;
  return true;
}

inline bool Ok(Errno e) {
  return e == Errno::kSuccess;
}

}  // namespace capsa::wasi::internal
