// WASI (preview1) rights by name, for policy files ("rights = [...]"), the
// audit log and the tools that read it. The bit positions are fixed by the
// wasi_snapshot_preview1 ABI; launcher/cmd_audit.cc static_asserts that they
// agree with engine/wasi/wasi_types.h (policy/ depends on no other component).
//
// Also the rights groups the reports reason with:
//   write-capable: a right whose use changes the host filesystem — fd_write,
//   fd_allocate, fd_filestat_set_size/times, fd_datasync/fd_sync (flush
//   writes) and every path_* right that creates, links, renames, removes,
//   truncates, re-times or symlinks (kWriteRights below).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace capsa::policy {

struct RightName {
  std::string_view name;
  uint64_t bit;
};

// All 30 rights, in bit order.
const std::vector<RightName>& AllRights();

std::optional<uint64_t> RightByName(std::string_view name);
// "fd_read|fd_seek"; "none" for 0.
std::string RightsToNames(uint64_t rights);
std::vector<std::string> RightsToNameList(uint64_t rights);

namespace rights {
inline constexpr uint64_t kFdDatasync = 1ull << 0;
inline constexpr uint64_t kFdRead = 1ull << 1;
inline constexpr uint64_t kFdSync = 1ull << 4;
inline constexpr uint64_t kFdWrite = 1ull << 6;
inline constexpr uint64_t kFdAllocate = 1ull << 8;
inline constexpr uint64_t kPathCreateDirectory = 1ull << 9;
inline constexpr uint64_t kPathCreateFile = 1ull << 10;
inline constexpr uint64_t kPathLinkSource = 1ull << 11;
inline constexpr uint64_t kPathLinkTarget = 1ull << 12;
inline constexpr uint64_t kPathOpen = 1ull << 13;
inline constexpr uint64_t kPathRenameSource = 1ull << 16;
inline constexpr uint64_t kPathRenameTarget = 1ull << 17;
inline constexpr uint64_t kPathFilestatSetSize = 1ull << 19;
inline constexpr uint64_t kPathFilestatSetTimes = 1ull << 20;
inline constexpr uint64_t kFdFilestatSetSize = 1ull << 22;
inline constexpr uint64_t kFdFilestatSetTimes = 1ull << 23;
inline constexpr uint64_t kPathSymlink = 1ull << 24;
inline constexpr uint64_t kPathRemoveDirectory = 1ull << 25;
inline constexpr uint64_t kPathUnlinkFile = 1ull << 26;
inline constexpr uint64_t kAll = (1ull << 30) - 1;

inline constexpr uint64_t kWriteRights =
    kFdDatasync | kFdSync | kFdWrite | kFdAllocate | kPathCreateDirectory | kPathCreateFile |
    kPathLinkSource | kPathLinkTarget | kPathRenameSource | kPathRenameTarget |
    kPathFilestatSetSize | kPathFilestatSetTimes | kFdFilestatSetSize | kFdFilestatSetTimes |
    kPathSymlink | kPathRemoveDirectory | kPathUnlinkFile;
}  // namespace rights

}  // namespace capsa::policy
