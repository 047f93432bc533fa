// The path_* imports of wasi_snapshot_preview1. Every path is copied out of
// guest memory once (ReadPath) and handed to the host as a string_view; the
// host (broker) resolves it beneath the directory handle.
#include <algorithm>
#include <string>

#include "engine/wasi/wasi_imports_internal.h"

namespace capsa::wasi::internal {
namespace {

constexpr OFlags kAllOFlags = oflag::kCreat | oflag::kDirectory | oflag::kExcl | oflag::kTrunc;

bool ValidLookupFlags(uint32_t flags) {
  return (flags & ~lookupflag::kSymlinkFollow) == 0;
}

// path_create_directory, path_remove_directory, path_unlink_file: (fd, path, len).
template <Errno (WasiHost::*kMethod)(Fd, std::string_view)>
Errno DirPathCall(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  std::string path;
  if (Errno e = ReadPath(m, a.U32(1), a.U32(2), &path); !Ok(e))
    return e;
  return (host.*kMethod)(a.U32(0), path);
}

Errno PathOpen(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  const uint32_t dirflags = a.U32(1);
  const uint32_t oflags = a.U32(4);
  const uint32_t fdflags = a.U32(7);
  const uint32_t ret = a.U32(8);
  if (!ValidLookupFlags(dirflags) || (oflags & ~uint32_t{kAllOFlags}) != 0 ||
      (fdflags & ~uint32_t{kAllFdFlags}) != 0) {
    return Errno::kInval;
  }
  std::string path;
  if (Errno e = ReadPath(m, a.U32(2), a.U32(3), &path); !Ok(e))
    return e;
  // Checked before the open so a bad pointer cannot leak a freshly opened handle.
  if (!m.InBounds(ret, 4))
    return Errno::kFault;
  Fd opened = 0;
  const Errno e = host.PathOpen(a.U32(0), dirflags, path, static_cast<OFlags>(oflags), a.U64(5),
                                a.U64(6), static_cast<FdFlags>(fdflags), &opened);
  if (Ok(e))
    m.StoreU32(ret, opened);
  return e;
}

Errno PathFilestatGet(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  if (!ValidLookupFlags(a.U32(1)))
    return Errno::kInval;
  std::string path;
  if (Errno e = ReadPath(m, a.U32(2), a.U32(3), &path); !Ok(e))
    return e;
  if (!m.InBounds(a.U32(4), kFileStatSize))
    return Errno::kFault;
  FileStat stat{};
  const Errno e = host.PathFilestatGet(a.U32(0), a.U32(1), path, &stat);
  if (Ok(e))
    StoreFileStat(m, a.U32(4), stat);
  return e;
}

Errno PathFilestatSetTimes(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  if (!ValidLookupFlags(a.U32(1)) || !ValidFstFlags(a.U32(6)))
    return Errno::kInval;
  std::string path;
  if (Errno e = ReadPath(m, a.U32(2), a.U32(3), &path); !Ok(e))
    return e;
  return host.PathFilestatSetTimes(a.U32(0), a.U32(1), path, a.U64(4), a.U64(5),
                                   static_cast<FstFlags>(a.U32(6)));
}

Errno PathLink(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  if (!ValidLookupFlags(a.U32(1)))
    return Errno::kInval;
  std::string old_path;
  std::string new_path;
  if (Errno e = ReadPath(m, a.U32(2), a.U32(3), &old_path); !Ok(e))
    return e;
  if (Errno e = ReadPath(m, a.U32(5), a.U32(6), &new_path); !Ok(e))
    return e;
  return host.PathLink(a.U32(0), a.U32(1), old_path, a.U32(4), new_path);
}

// Writes at most buf_len bytes of the target (no NUL), like readlink(2).
Errno PathReadlink(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  std::string path;
  if (Errno e = ReadPath(m, a.U32(1), a.U32(2), &path); !Ok(e))
    return e;
  const uint32_t buf = a.U32(3);
  const uint32_t buf_len = a.U32(4);
  if (!m.InBounds(buf, buf_len) || !m.InBounds(a.U32(5), 4))
    return Errno::kFault;
  std::string target;
  const Errno e = host.PathReadlink(a.U32(0), path, &target);
  if (!Ok(e))
    return e;
  const size_t used = std::min<size_t>(target.size(), buf_len);
  m.Store(buf, target.data(), used);
  m.StoreU32(a.U32(5), static_cast<uint32_t>(used));
  return e;
}

Errno PathRename(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  std::string old_path;
  std::string new_path;
  if (Errno e = ReadPath(m, a.U32(1), a.U32(2), &old_path); !Ok(e))
    return e;
  if (Errno e = ReadPath(m, a.U32(4), a.U32(5), &new_path); !Ok(e))
    return e;
  return host.PathRename(a.U32(0), old_path, a.U32(3), new_path);
}

Errno PathSymlink(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  std::string old_path;
  std::string new_path;
  if (Errno e = ReadPath(m, a.U32(0), a.U32(1), &old_path); !Ok(e))
    return e;
  if (Errno e = ReadPath(m, a.U32(3), a.U32(4), &new_path); !Ok(e))
    return e;
  return host.PathSymlink(old_path, a.U32(2), new_path);
}

constexpr ImportSpec kPathImports[] = {
    {"path_create_directory", "iii", DirPathCall<&WasiHost::PathCreateDirectory>},
    {"path_filestat_get", "iiiii", PathFilestatGet},
    {"path_filestat_set_times", "iiiiIIi", PathFilestatSetTimes},
    {"path_link", "iiiiiii", PathLink},
    {"path_open", "iiiiiIIii", PathOpen},
    {"path_readlink", "iiiiii", PathReadlink},
    {"path_remove_directory", "iii", DirPathCall<&WasiHost::PathRemoveDirectory>},
    {"path_rename", "iiiiii", PathRename},
    {"path_symlink", "iiiii", PathSymlink},
    {"path_unlink_file", "iii", DirPathCall<&WasiHost::PathUnlinkFile>},
};

}  // namespace

std::span<const ImportSpec> PathImports() {
  return kPathImports;
}

}  // namespace capsa::wasi::internal
