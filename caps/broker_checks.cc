// The broker's refusal paths: handle lookup with rights checks, guest-memory
// range checks, and Deny, which reports every refusal to the event sink and
// as one line on stderr.
#include <spdlog/spdlog.h>

#include <string>

#include "caps/broker_session.h"
#include "caps/errno_map.h"
#include "caps/path_resolver.h"

namespace capsa::caps {

wasi::Errno BrokerSession::Deny(wire::Op op, std::string_view guest_path, std::string host_path,
                                wasi::Rights held, wasi::Rights needed, wasi::Errno error,
                                std::string reason) {
  // stderr gets what is missing; the audit event carries both full sets.
  const wasi::Rights missing = needed & ~held;
  spdlog::warn("denied {} guest_path='{}' host_path='{}'{} -> {}: {}", wire::OpName(op),
               Printable(guest_path), Printable(host_path),
               missing != 0 ? " missing=" + RightsToString(missing) : std::string(),
               WasiErrnoName(error), reason);
  if (config_.events != nullptr) {
    policy::DenialEvent e;
    e.operation = wire::OpName(op);
    e.guest_path = std::string(guest_path);
    e.host_path = std::move(host_path);
    e.rights_held = held;
    e.rights_needed = needed;
    e.wasi_errno = static_cast<uint16_t>(error);
    e.reason = std::move(reason);
    config_.events->OnDenial(e);
  }
  return error;
}

Handle* BrokerSession::Lookup(wire::Op op, wasi::Fd fd, wasi::Rights needed,
                              std::string_view guest_path, wasi::Errno* error) {
  Handle* h = table_.Get(fd);
  if (h == nullptr) {
    *error = Deny(op, guest_path, "", 0, needed, wasi::Errno::kBadf,
                  "fd " + std::to_string(fd) + " is not open in the capability table");
    return nullptr;
  }
  if (!h->Has(needed)) {
    *error = Deny(op, guest_path, JoinHostPath(h->host_path, guest_path), h->rights_base, needed,
                  wasi::Errno::kNotcapable,
                  "fd " + std::to_string(fd) + " lacks " +
                      RightsToString(needed & ~h->rights_base));
    return nullptr;
  }
  *error = wasi::Errno::kSuccess;
  return h;
}

wasi::Errno BrokerSession::MapIoVecs(const wire::Request& r, const Handle& handle,
                                     size_t* count) {
  const size_t n = r.IoVecCount();
  for (size_t i = 0; i < n; ++i) {
    const wasi::IoVec v = r.IoVecAt(i);
    uint8_t* p = memory_.Access(v.offset, v.length);
    if (p == nullptr) {
      return Deny(r.op, "", handle.host_path, handle.rights_base, 0, wasi::Errno::kFault,
                  "iovec " + std::to_string(i) + " [" + std::to_string(v.offset) + ", +" +
                      std::to_string(v.length) + ") lies outside the linear memory (" +
                      std::to_string(memory_.mapped_bytes()) + " bytes observed)");
    }
    iovecs_[i] = iovec{p, v.length};
  }
  *count = n;
  return wasi::Errno::kSuccess;
}

}  // namespace capsa::caps
