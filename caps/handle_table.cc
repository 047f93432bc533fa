#include "caps/handle_table.h"

#include <utility>

namespace capsa::caps {

Result<void> HandleTable::InstallAt(wasi::Fd fd, Handle handle) {
  if (fd >= kMaxHandles) return MakeError(ErrorCode::kLimit, "handle number over the table limit");
  if (fd >= slots_.size()) slots_.resize(fd + 1);
  if (slots_[fd].has_value()) {
    return MakeError(ErrorCode::kInternal, "handle number " + std::to_string(fd) + " is taken");
  }
  slots_[fd].emplace(std::move(handle));
  ++count_;
  return {};
}

std::optional<wasi::Fd> HandleTable::Insert(Handle handle) {
  wasi::Fd fd = kFirstNonStdio;
  while (fd < slots_.size() && slots_[fd].has_value()) ++fd;
  if (fd >= kMaxHandles) return std::nullopt;
  if (fd >= slots_.size()) slots_.resize(fd + 1);
  slots_[fd].emplace(std::move(handle));
  ++count_;
  return fd;
}

Handle* HandleTable::Get(wasi::Fd fd) {
  if (fd >= slots_.size() || !slots_[fd].has_value()) return nullptr;
  return &*slots_[fd];
}

bool HandleTable::Remove(wasi::Fd fd) {
  if (fd >= slots_.size() || !slots_[fd].has_value()) return false;
  slots_[fd].reset();
  --count_;
  return true;
}

}  // namespace capsa::caps
