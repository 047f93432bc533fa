// Handlers that need no handle: clocks, random_get, unsupported imports.
#include <spdlog/spdlog.h>
#include <sys/random.h>
#include <time.h>

#include <cerrno>
#include <string>

#include "caps/broker_session.h"
#include "caps/errno_map.h"

namespace capsa::caps {

using wasi::Errno;

Errno BrokerSession::Clock(const wire::Request& r, ReplyBody* out) {
  const auto a = r.As<wire::ClockArgs>();
  clockid_t id;
  switch (static_cast<wasi::ClockId>(a.id)) {
    case wasi::ClockId::kRealtime: id = CLOCK_REALTIME; break;
    case wasi::ClockId::kMonotonic: id = CLOCK_MONOTONIC; break;
    // The broker's own CPU clocks for now; the worker's would need its
    // pid/tid clock (clock_getcpuclockid), a later refinement.
    case wasi::ClockId::kProcessCputime: id = CLOCK_PROCESS_CPUTIME_ID; break;
    case wasi::ClockId::kThreadCputime: id = CLOCK_THREAD_CPUTIME_ID; break;
    default: return Errno::kInval;
  }
  timespec ts{};
  const int rc = r.op == wire::Op::kClockResGet ? clock_getres(id, &ts) : clock_gettime(id, &ts);
  if (rc != 0) return ErrnoFromHost(errno);
  const uint64_t ns = static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull +
                      static_cast<uint64_t>(ts.tv_nsec);
  out->Set(wire::U64Result{ns});
  return Errno::kSuccess;
}

Errno BrokerSession::RandomGet(const wire::Request& r) {
  const auto a = r.As<wire::RangeArgs>();
  uint8_t* p = memory_.Access(a.offset, a.length);
  if (p == nullptr) {
    return Deny(r.op, "", "", 0, 0, Errno::kFault,
                "random_get range [" + std::to_string(a.offset) + ", +" +
                    std::to_string(a.length) + ") lies outside the linear memory (" +
                    std::to_string(memory_.mapped_bytes()) + " bytes observed)");
  }
  size_t done = 0;
  while (done < a.length) {
    const ssize_t n = getrandom(p + done, a.length - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoFromHost(errno);
    }
    done += static_cast<size_t>(n);
  }
  return Errno::kSuccess;
}

Errno BrokerSession::Unsupported(const wire::Request& r) {
  const std::string name(r.Text());
  spdlog::warn("unsupported WASI import called: {} (answered ENOSYS)", Printable(name));
  if (config_.events != nullptr) config_.events->OnUnsupported(name);
  return Errno::kNosys;
}

}  // namespace capsa::caps
