// Names for the ABI enums in wasi_types.h.
#include "engine/wasi/wasi_types.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace capsa::wasi {

const char* ErrnoName(Errno e) {
  // Indexed by the errno's value, in witx order.
  static constexpr std::array<const char*, 77> kNames = {
      "ESUCCESS",
      "E2BIG",
      "EACCES",
      "EADDRINUSE",
      "EADDRNOTAVAIL",
      "EAFNOSUPPORT",
      "EAGAIN",
      "EALREADY",
      "EBADF",
      "EBADMSG",
      "EBUSY",
      "ECANCELED",
      "ECHILD",
      "ECONNABORTED",
      "ECONNREFUSED",
      "ECONNRESET",
      "EDEADLK",
      "EDESTADDRREQ",
      "EDOM",
      "EDQUOT",
      "EEXIST",
      "EFAULT",
      "EFBIG",
      "EHOSTUNREACH",
      "EIDRM",
      "EILSEQ",
      "EINPROGRESS",
      "EINTR",
      "EINVAL",
      "EIO",
      "EISCONN",
      "EISDIR",
      "ELOOP",
      "EMFILE",
      "EMLINK",
      "EMSGSIZE",
      "EMULTIHOP",
      "ENAMETOOLONG",
      "ENETDOWN",
      "ENETRESET",
      "ENETUNREACH",
      "ENFILE",
      "ENOBUFS",
      "ENODEV",
      "ENOENT",
      "ENOEXEC",
      "ENOLCK",
      "ENOLINK",
      "ENOMEM",
      "ENOMSG",
      "ENOPROTOOPT",
      "ENOSPC",
      "ENOSYS",
      "ENOTCONN",
      "ENOTDIR",
      "ENOTEMPTY",
      "ENOTRECOVERABLE",
      "ENOTSOCK",
      "ENOTSUP",
      "ENOTTY",
      "ENXIO",
      "EOVERFLOW",
      "EOWNERDEAD",
      "EPERM",
      "EPIPE",
      "EPROTO",
      "EPROTONOSUPPORT",
      "EPROTOTYPE",
      "ERANGE",
      "EROFS",
      "ESPIPE",
      "ESRCH",
      "ESTALE",
      "ETIMEDOUT",
      "ETXTBSY",
      "EXDEV",
      "ENOTCAPABLE",
  };
  const auto index = static_cast<size_t>(e);
  return index < kNames.size() ? kNames[index] : "E?";
}

bool PackDirent(std::span<uint8_t> buf, size_t* used, const DirEntryView& entry) {
  uint8_t header[kDirentHeaderSize] = {};
  const uint32_t name_len = static_cast<uint32_t>(entry.name.size());
  std::memcpy(header + 0, &entry.next, 8);
  std::memcpy(header + 8, &entry.ino, 8);
  std::memcpy(header + 16, &name_len, 4);
  header[20] = static_cast<uint8_t>(entry.type);
  const size_t room = buf.size() - std::min(*used, buf.size());
  const size_t header_bytes = std::min<size_t>(room, sizeof header);
  if (header_bytes != 0)
    std::memcpy(buf.data() + *used, header, header_bytes);
  *used += header_bytes;
  if (header_bytes < sizeof header)
    return false;
  const size_t name_bytes = std::min(room - sizeof header, entry.name.size());
  if (name_bytes != 0)
    std::memcpy(buf.data() + *used, entry.name.data(), name_bytes);
  *used += name_bytes;
  return name_bytes == entry.name.size();
}

}  // namespace capsa::wasi
