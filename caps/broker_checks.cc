// The broker's refusal paths: handle lookup with rights checks, guest-memory
// range checks, deny-rule checks, and Deny, which reports every refusal to
// the event sink (the launcher's sinks write the audit log and the one
// explained stderr line per cause; the broker itself logs at debug level only,
// so a denial is never printed twice).
#include <spdlog/spdlog.h>

#include <string>

#include "caps/broker_session.h"
#include "caps/errno_map.h"
#include "caps/path_resolver.h"

namespace capsa::caps {

wasi::Errno BrokerSession::Deny(wire::Op op, std::string_view guest_path, std::string host_path,
                                wasi::Rights held, wasi::Rights needed, wasi::Errno error,
                                std::string reason, std::string rule) {
  // The debug line gets what is missing; the audit event carries both full sets.
  const wasi::Rights missing = needed & ~held;
  spdlog::debug("denied {} guest_path='{}' host_path='{}'{} -> {}: {}", wire::OpName(op),
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
    e.rule = std::move(rule);
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
    // Name the object as the guest knows it: the handle's guest path (a
    // preopen's name, or the path a derived handle was opened by) + `guest_path`.
    *error = Deny(op, JoinGuestPath(h->guest_path, guest_path),
                  JoinHostPath(h->host_path, guest_path), h->rights_base, needed,
                  wasi::Errno::kNotcapable,
                  "fd " + std::to_string(fd) + " lacks " +
                      RightsToString(needed & ~h->rights_base));
    return nullptr;
  }
  *error = wasi::Errno::kSuccess;
  return h;
}

wasi::Errno BrokerSession::CheckDenyRules(wire::Op op, const Handle& dir, std::string_view path,
                                          wasi::Rights needed, int resolved_fd,
                                          std::string_view resolved_name) {
  if (denies_.empty()) return wasi::Errno::kSuccess;
  std::optional<size_t> rule = denies_.MatchLexical(dir.guest_path, path);
  if (!rule && resolved_fd >= 0) rule = denies_.MatchResolved(resolved_fd, resolved_name);
  // Moving or linking an ancestor of a denied path would carry the denied
  // subtree to a name no rule covers.
  if (!rule && (op == wire::Op::kPathRename || op == wire::Op::kPathLink)) {
    rule = denies_.MatchBeneathLexical(dir.guest_path, path);
  }
  if (!rule) return wasi::Errno::kSuccess;
  const std::string label = denies_.Label(*rule);
  return Deny(op, JoinGuestPath(dir.guest_path, path), JoinHostPath(dir.host_path, path),
              dir.rights_base, needed, wasi::Errno::kAcces, "refused by the policy rule " + label,
              label);
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
