// The fd_* imports of wasi_snapshot_preview1.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "engine/wasi/wasi_imports_internal.h"

namespace capsa::wasi::internal {
namespace {

// fd_read, fd_write, fd_pread, fd_pwrite share this shape: iovecs at args 1,2
// and the u32 result pointer at `ret_index`.
template <typename Call>
Errno IoCall(const GuestMemory& m, const ImportArgs& a, size_t ret_index, Call call) {
  // Reused across calls (capacity only grows): no heap allocation per fd_write/fd_read.
  // Host calls never re-enter the guest, so one buffer per thread is enough.
  thread_local std::vector<IoVec> iovs;
  if (Errno e = ReadIoVecs(m, a.U32(1), a.U32(2), &iovs); !Ok(e))
    return e;
  const uint32_t ret = a.U32(ret_index);
  if (!m.InBounds(ret, 4))
    return Errno::kFault;
  Size n = 0;
  const Errno e = call(std::span<const IoVec>(iovs), &n);
  if (Ok(e))
    m.StoreU32(ret, n);
  return e;
}

Errno FdWrite(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  return IoCall(m, a, 3, [&](std::span<const IoVec> iovs, Size* n) {
    return host.FdWrite(a.U32(0), iovs, n);
  });
}
Errno FdRead(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  return IoCall(m, a, 3, [&](std::span<const IoVec> iovs, Size* n) {
    return host.FdRead(a.U32(0), iovs, n);
  });
}
Errno FdPwrite(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  return IoCall(m, a, 4, [&](std::span<const IoVec> iovs, Size* n) {
    return host.FdPwrite(a.U32(0), iovs, a.U64(3), n);
  });
}
Errno FdPread(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  return IoCall(m, a, 4, [&](std::span<const IoVec> iovs, Size* n) {
    return host.FdPread(a.U32(0), iovs, a.U64(3), n);
  });
}

Errno FdClose(WasiHost& host, const GuestMemory&, const ImportArgs& a) {
  return host.FdClose(a.U32(0));
}
Errno FdSync(WasiHost& host, const GuestMemory&, const ImportArgs& a) {
  return host.FdSync(a.U32(0));
}
Errno FdDatasync(WasiHost& host, const GuestMemory&, const ImportArgs& a) {
  return host.FdDatasync(a.U32(0));
}

Errno FdSeek(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  if (a.U32(2) > static_cast<uint32_t>(Whence::kEnd))
    return Errno::kInval;
  if (!m.InBounds(a.U32(3), 8))
    return Errno::kFault;
  FileSize offset = 0;
  const Errno e = host.FdSeek(a.U32(0), static_cast<FileDelta>(a.U64(1)),
                              static_cast<Whence>(a.U32(2)), &offset);
  if (Ok(e))
    m.StoreU64(a.U32(3), offset);
  return e;
}

Errno FdTell(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  if (!m.InBounds(a.U32(1), 8))
    return Errno::kFault;
  FileSize offset = 0;
  const Errno e = host.FdTell(a.U32(0), &offset);
  if (Ok(e))
    m.StoreU64(a.U32(1), offset);
  return e;
}

Errno FdFdstatGet(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  if (!m.InBounds(a.U32(1), kFdStatSize))
    return Errno::kFault;
  FdStat stat{};
  const Errno e = host.FdFdstatGet(a.U32(0), &stat);
  if (!Ok(e))
    return e;
  uint8_t b[kFdStatSize] = {};
  PutU8(b + 0, static_cast<uint8_t>(stat.filetype));
  PutU16(b + 2, stat.flags);
  PutU64(b + 8, stat.rights_base);
  PutU64(b + 16, stat.rights_inheriting);
  m.Store(a.U32(1), b, sizeof b);
  return e;
}

Errno FdFdstatSetFlags(WasiHost& host, const GuestMemory&, const ImportArgs& a) {
  if ((a.U32(1) & ~uint32_t{kAllFdFlags}) != 0)
    return Errno::kInval;
  return host.FdFdstatSetFlags(a.U32(0), static_cast<FdFlags>(a.U32(1)));
}

Errno FdFdstatSetRights(WasiHost& host, const GuestMemory&, const ImportArgs& a) {
  return host.FdFdstatSetRights(a.U32(0), a.U64(1), a.U64(2));
}

Errno FdFilestatGet(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  if (!m.InBounds(a.U32(1), kFileStatSize))
    return Errno::kFault;
  FileStat stat{};
  const Errno e = host.FdFilestatGet(a.U32(0), &stat);
  if (Ok(e))
    StoreFileStat(m, a.U32(1), stat);
  return e;
}

Errno FdFilestatSetSize(WasiHost& host, const GuestMemory&, const ImportArgs& a) {
  return host.FdFilestatSetSize(a.U32(0), a.U64(1));
}

Errno FdFilestatSetTimes(WasiHost& host, const GuestMemory&, const ImportArgs& a) {
  if (!ValidFstFlags(a.U32(3)))
    return Errno::kInval;
  return host.FdFilestatSetTimes(a.U32(0), a.U64(1), a.U64(2), static_cast<FstFlags>(a.U32(3)));
}

Errno FdAdvise(WasiHost& host, const GuestMemory&, const ImportArgs& a) {
  if (a.U32(3) > static_cast<uint32_t>(Advice::kNoreuse))
    return Errno::kInval;
  return host.FdAdvise(a.U32(0), a.U64(1), a.U64(2), static_cast<Advice>(a.U32(3)));
}

Errno FdAllocate(WasiHost& host, const GuestMemory&, const ImportArgs& a) {
  return host.FdAllocate(a.U32(0), a.U64(1), a.U64(2));
}

Errno FdPrestatGet(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  if (!m.InBounds(a.U32(1), kPrestatSize))
    return Errno::kFault;
  Prestat prestat{};
  const Errno e = host.FdPrestatGet(a.U32(0), &prestat);
  if (!Ok(e))
    return e;
  uint8_t b[kPrestatSize] = {};
  PutU8(b + 0, prestat.tag);
  PutU32(b + 4, prestat.dir_name_len);
  m.Store(a.U32(1), b, sizeof b);
  return e;
}

// The name is written without a NUL; a buffer shorter than the name is
// ENAMETOOLONG (as wasmtime does) rather than a silently truncated path.
Errno FdPrestatDirName(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  const uint32_t buf = a.U32(1);
  const uint32_t buf_len = a.U32(2);
  if (!m.InBounds(buf, buf_len))
    return Errno::kFault;
  std::string name;
  const Errno e = host.FdPrestatDirName(a.U32(0), &name);
  if (!Ok(e))
    return e;
  if (name.size() > buf_len)
    return Errno::kNametoolong;
  m.Store(buf, name.data(), name.size());
  return e;
}

// Packs entries as dirent headers + names, truncating the last one that does
// not fit; bufused == buf_len tells the guest to call again.
Errno FdReaddir(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  const uint32_t buf = a.U32(1);
  const uint32_t buf_len = a.U32(2);
  if (!m.InBounds(buf, buf_len) || !m.InBounds(a.U32(4), 4))
    return Errno::kFault;
  // The host packs the entries into guest memory itself (no copy through here).
  Size used = 0;
  const Errno e = host.FdReaddir(a.U32(0), a.U64(3), IoVec{buf, buf_len}, &used);
  if (!Ok(e))
    return e;
  m.StoreU32(a.U32(4), std::min(used, buf_len));
  return e;
}

Errno FdRenumber(WasiHost& host, const GuestMemory&, const ImportArgs& a) {
  return host.FdRenumber(a.U32(0), a.U32(1));
}

constexpr ImportSpec kFdImports[] = {
    {"fd_advise", "iIIi", FdAdvise},
    {"fd_allocate", "iII", FdAllocate},
    {"fd_close", "i", FdClose},
    {"fd_datasync", "i", FdDatasync},
    {"fd_fdstat_get", "ii", FdFdstatGet},
    {"fd_fdstat_set_flags", "ii", FdFdstatSetFlags},
    {"fd_fdstat_set_rights", "iII", FdFdstatSetRights},
    {"fd_filestat_get", "ii", FdFilestatGet},
    {"fd_filestat_set_size", "iI", FdFilestatSetSize},
    {"fd_filestat_set_times", "iIIi", FdFilestatSetTimes},
    {"fd_pread", "iiiIi", FdPread},
    {"fd_prestat_get", "ii", FdPrestatGet},
    {"fd_prestat_dir_name", "iii", FdPrestatDirName},
    {"fd_pwrite", "iiiIi", FdPwrite},
    {"fd_read", "iiii", FdRead},
    {"fd_readdir", "iiiIi", FdReaddir},
    {"fd_renumber", "ii", FdRenumber},
    {"fd_seek", "iIii", FdSeek},
    {"fd_sync", "i", FdSync},
    {"fd_tell", "ii", FdTell},
    {"fd_write", "iiii", FdWrite},
};

}  // namespace

std::span<const ImportSpec> FdImports() {
  return kFdImports;
}

}  // namespace capsa::wasi::internal
