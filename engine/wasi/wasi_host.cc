// Defaults for WasiHost's optional operations: each reports itself through
// Unsupported(), so the call is logged by the host and the guest sees ENOSYS.
#include "engine/wasi/wasi_host.h"

namespace capsa::wasi {

Errno WasiHost::FdAdvise(Fd, FileSize, FileSize, Advice) {
  return Unsupported("fd_advise");
}
Errno WasiHost::FdAllocate(Fd, FileSize, FileSize) {
  return Unsupported("fd_allocate");
}
Errno WasiHost::FdFdstatSetRights(Fd, Rights, Rights) {
  return Unsupported("fd_fdstat_set_rights");
}
Errno WasiHost::FdFilestatSetSize(Fd, FileSize) {
  return Unsupported("fd_filestat_set_size");
}
Errno WasiHost::FdFilestatSetTimes(Fd, Timestamp, Timestamp, FstFlags) {
  return Unsupported("fd_filestat_set_times");
}
Errno WasiHost::FdReaddir(Fd, DirCookie, IoVec, Size*) {
  return Unsupported("fd_readdir");
}
Errno WasiHost::FdRenumber(Fd, Fd) {
  return Unsupported("fd_renumber");
}
Errno WasiHost::PathFilestatSetTimes(Fd,
                                     LookupFlags,
                                     std::string_view,
                                     Timestamp,
                                     Timestamp,
                                     FstFlags) {
  return Unsupported("path_filestat_set_times");
}
Errno WasiHost::PathLink(Fd, LookupFlags, std::string_view, Fd, std::string_view) {
  return Unsupported("path_link");
}
Errno WasiHost::PathReadlink(Fd, std::string_view, std::string*) {
  return Unsupported("path_readlink");
}
Errno WasiHost::PathRename(Fd, std::string_view, Fd, std::string_view) {
  return Unsupported("path_rename");
}
Errno WasiHost::PathSymlink(std::string_view, Fd, std::string_view) {
  return Unsupported("path_symlink");
}
Errno WasiHost::PollOneoff(std::span<const Subscription>, std::vector<Event>*) {
  return Unsupported("poll_oneoff");
}
Errno WasiHost::SockAccept(Fd, FdFlags, Fd*) { return Unsupported("sock_accept"); }
Errno WasiHost::SockRecv(Fd, std::span<const IoVec>, uint16_t, Size*, uint16_t*) {
  return Unsupported("sock_recv");
}
Errno WasiHost::SockSend(Fd, std::span<const IoVec>, uint16_t, Size*) {
  return Unsupported("sock_send");
}
Errno WasiHost::SockShutdown(Fd, uint8_t) { return Unsupported("sock_shutdown"); }

}  // namespace capsa::wasi
