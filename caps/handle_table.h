// The broker's capability table: guest fd number -> Handle. The table owns
// every real descriptor in it. Guest fds 0-2 are stdio, 3.. the preopens in
// order, and path_open children take the lowest free number >= 3 (POSIX-style,
// so a closed number is reused, as in wasmtime's preview1 adapter).
//
// Not thread-safe; used by the broker's single thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "caps/unique_fd.h"
#include "engine/base/result.h"
#include "engine/wasi/wasi_types.h"

namespace capsa::caps {

enum class HandleOrigin : uint8_t { kStdio, kPreopen, kDerived };

struct Handle {
  UniqueFd fd;
  wasi::FileType type = wasi::FileType::kUnknown;
  wasi::Rights rights_base = 0;
  wasi::Rights rights_inheriting = 0;
  std::string guest_path;  // preopen: the name the guest sees; derived: path relative to the
                           // preopen it descends from ("" for stdio)
  std::string host_path;   // for logs only: host path of the preopen + relative path
  HandleOrigin origin = HandleOrigin::kDerived;

  bool Has(wasi::Rights needed) const { return (rights_base & needed) == needed; }
};

class HandleTable {
 public:
  static constexpr size_t kMaxHandles = 4096;
  static constexpr wasi::Fd kFirstNonStdio = 3;

  HandleTable() = default;
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  // Start-up: puts `handle` at exactly `fd` (stdio, preopens). Fails if taken.
  Result<void> InstallAt(wasi::Fd fd, Handle handle);
  // path_open: the lowest free number >= 3; nullopt when the table is full.
  std::optional<wasi::Fd> Insert(Handle handle);
  // nullptr when `fd` names no handle.
  Handle* Get(wasi::Fd fd);
  // Removes the handle and closes its real fd. false when `fd` names none.
  bool Remove(wasi::Fd fd);
  size_t size() const { return count_; }

 private:
  std::vector<std::optional<Handle>> slots_;
  size_t count_ = 0;
};

}  // namespace capsa::caps
