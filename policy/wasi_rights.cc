#include "policy/wasi_rights.h"

namespace capsa::policy {

const std::vector<RightName>& AllRights() {
  static const std::vector<RightName> kRights = [] {
    const char* names[] = {
        "fd_datasync", "fd_read", "fd_seek", "fd_fdstat_set_flags", "fd_sync", "fd_tell",
        "fd_write", "fd_advise", "fd_allocate", "path_create_directory", "path_create_file",
        "path_link_source", "path_link_target", "path_open", "fd_readdir", "path_readlink",
        "path_rename_source", "path_rename_target", "path_filestat_get",
        "path_filestat_set_size", "path_filestat_set_times", "fd_filestat_get",
        "fd_filestat_set_size", "fd_filestat_set_times", "path_symlink",
        "path_remove_directory", "path_unlink_file", "poll_fd_readwrite", "sock_shutdown",
        "sock_accept"};
    std::vector<RightName> out;
    for (uint64_t i = 0; i < std::size(names); ++i) out.push_back({names[i], 1ull << i});
    return out;
  }();
  return kRights;
}

std::optional<uint64_t> RightByName(std::string_view name) {
  for (const RightName& r : AllRights()) {
    if (r.name == name) return r.bit;
  }
  return std::nullopt;
}

std::vector<std::string> RightsToNameList(uint64_t rights) {
  std::vector<std::string> out;
  for (const RightName& r : AllRights()) {
    if (rights & r.bit) out.emplace_back(r.name);
  }
  return out;
}

std::string RightsToNames(uint64_t rights) {
  std::string out;
  for (const std::string& n : RightsToNameList(rights)) {
    if (!out.empty()) out += '|';
    out += n;
  }
  return out.empty() ? "none" : out;
}

}  // namespace capsa::policy
