// poll_oneoff: one ppoll(2) over the real fds of the fd_read/fd_write
// subscriptions, with the earliest clock subscription as its timeout.
//
// Semantics (wasmtime's wasi-common):
// - An fd subscription needs poll_fd_readwrite plus fd_read (fd_read
//   subscriptions) or fd_write (fd_write subscriptions); without them, or on a
//   bad fd, the subscription fires at once with the errno in its event (the
//   call itself succeeds), and the refusal is logged like any denial.
// - Regular files and directories are always ready: fd_read reports the bytes
//   between the offset and the end, fd_write reports 0.
// - Pipes, ttys, sockets: ready when ppoll says so; fd_read reports FIONREAD,
//   and POLLHUP sets the hangup flag.
// - Clocks: relative timeouts count from the call; absolute ones are compared
//   with the named clock. A clock fires when its deadline has passed; the call
//   never returns before the earliest deadline unless an fd was ready.
// - The broker socket is watched too: if the worker dies while the broker
//   waits (a guest polling stdin forever), the broker notices at once.
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <vector>

#include "caps/broker_session.h"
#include "caps/errno_map.h"

namespace capsa::caps {

namespace right = wasi::right;
using wasi::Errno;

namespace {

constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

uint64_t NowNs(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

clockid_t HostClock(uint32_t id) {
  switch (static_cast<wasi::ClockId>(id)) {
    case wasi::ClockId::kRealtime: return CLOCK_REALTIME;
    case wasi::ClockId::kProcessCputime: return CLOCK_PROCESS_CPUTIME_ID;
    case wasi::ClockId::kThreadCputime: return CLOCK_THREAD_CPUTIME_ID;
    default: return CLOCK_MONOTONIC;
  }
}

uint64_t AddSat(uint64_t a, uint64_t b) { return b > kNever - a ? kNever : a + b; }

}  // namespace

Errno BrokerSession::PollOneoff(const wire::Request& r, ReplyBody* out) {
  const size_t count = r.trailer.size() / sizeof(wire::PollSub);
  if (count == 0) return Errno::kInval;
  std::vector<wire::PollEvent> events;
  std::vector<pollfd> pfds;
  std::vector<size_t> pfd_sub;  // subscription index of each pollfd
  std::vector<uint64_t> deadline(count, kNever);  // CLOCK_MONOTONIC ns, clocks only
  uint64_t earliest = kNever;
  const uint64_t start = NowNs(CLOCK_MONOTONIC);

  for (size_t i = 0; i < count; ++i) {
    const wire::PollSub sub = r.PollSubAt(i);
    wire::PollEvent ev{};
    ev.userdata = sub.userdata;
    ev.type = sub.type;
    switch (static_cast<wasi::EventType>(sub.type)) {
      case wasi::EventType::kClock: {
        if (sub.clock_id > static_cast<uint32_t>(wasi::ClockId::kThreadCputime) ||
            (sub.flags & ~wasi::subclockflag::kAbstime) != 0) {
          return Errno::kInval;
        }
        uint64_t wait = sub.timeout;
        if (sub.flags & wasi::subclockflag::kAbstime) {
          const uint64_t now = NowNs(HostClock(sub.clock_id));
          wait = sub.timeout > now ? sub.timeout - now : 0;
        }
        deadline[i] = AddSat(start, wait);
        earliest = std::min(earliest, deadline[i]);
        break;
      }
      case wasi::EventType::kFdRead:
      case wasi::EventType::kFdWrite: {
        const bool read = sub.type == static_cast<uint8_t>(wasi::EventType::kFdRead);
        const wasi::Rights needed =
            right::kPollFdReadwrite | (read ? right::kFdRead : right::kFdWrite);
        Errno error;
        Handle* h = Lookup(r.op, sub.fd, needed, "", &error);
        if (h == nullptr) {
          ev.error = static_cast<uint16_t>(error);
          events.push_back(ev);
          break;
        }
        if (h->type == wasi::FileType::kRegularFile || h->type == wasi::FileType::kDirectory) {
          if (read && h->type == wasi::FileType::kRegularFile) {
            struct stat st;
            const off_t at = lseek(h->fd.get(), 0, SEEK_CUR);
            if (fstat(h->fd.get(), &st) == 0 && at >= 0 && st.st_size > at) {
              ev.nbytes = static_cast<uint64_t>(st.st_size - at);
            }
          }
          events.push_back(ev);
          break;
        }
        pfds.push_back(pollfd{h->fd.get(), static_cast<short>(read ? POLLIN : POLLOUT), 0});
        pfd_sub.push_back(i);
        break;
      }
      default:
        return Errno::kInval;
    }
  }

  const size_t n_fds = pfds.size();
  pfds.push_back(pollfd{config_.socket_fd, POLLRDHUP, 0});
  for (;;) {
    timespec timeout{};
    timespec* tp = nullptr;
    if (!events.empty()) {
      tp = &timeout;  // something is ready already: just sample the rest
    } else if (earliest != kNever) {
      const uint64_t now = NowNs(CLOCK_MONOTONIC);
      const uint64_t left = earliest > now ? earliest - now : 0;
      timeout = timespec{static_cast<time_t>(left / 1'000'000'000ull),
                         static_cast<long>(left % 1'000'000'000ull)};
      tp = &timeout;
    }
    for (pollfd& p : pfds) p.revents = 0;
    const int rc = ppoll(pfds.data(), pfds.size(), tp, nullptr);
    if (rc < 0) {
      if (errno == EINTR) continue;
      return ErrnoFromHost(errno);
    }
    if (pfds[n_fds].revents != 0) return Errno::kIo;  // the worker is gone
    bool fd_ready = false;
    for (size_t k = 0; k < n_fds; ++k) {
      const short rev = pfds[k].revents;
      if (rev == 0) continue;
      fd_ready = true;
      const wire::PollSub sub = r.PollSubAt(pfd_sub[k]);
      wire::PollEvent ev{};
      ev.userdata = sub.userdata;
      ev.type = sub.type;
      if (rev & POLLNVAL) {
        ev.error = static_cast<uint16_t>(Errno::kBadf);
      } else {
        if (rev & POLLHUP) ev.flags = wasi::eventrwflag::kHangup;
        int avail = 0;
        if ((pfds[k].events & POLLIN) && ioctl(pfds[k].fd, FIONREAD, &avail) == 0 && avail > 0) {
          ev.nbytes = static_cast<uint64_t>(avail);
        }
      }
      events.push_back(ev);
    }
    const uint64_t now = NowNs(CLOCK_MONOTONIC);
    for (size_t i = 0; i < count; ++i) {
      if (deadline[i] == kNever || deadline[i] > now) continue;
      const wire::PollSub sub = r.PollSubAt(i);
      wire::PollEvent ev{};
      ev.userdata = sub.userdata;
      ev.type = sub.type;
      events.push_back(ev);
    }
    // ppoll may wake a little early by its own clock's rounding: wait again.
    if (!events.empty() || fd_ready) break;
  }

  std::string& text = out->text;
  text.assign(reinterpret_cast<const char*>(events.data()), events.size() * sizeof(events[0]));
  out->Set(wire::PollResult{static_cast<uint32_t>(text.size()),
                            static_cast<uint32_t>(events.size())});
  return Errno::kSuccess;
}

}  // namespace capsa::caps
