// RunBroker: the session loop, start-up of the capability table, blob
// replies, outcome reports and the one place denials are reported.
#include "caps/broker.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "caps/blob.h"
#include "caps/broker_session.h"
#include "caps/channel.h"
#include "caps/errno_map.h"
#include "caps/host_stat.h"
#include "caps/path_resolver.h"

namespace capsa::caps {

WorkerOutcome RunBroker(BrokerConfig config) {
  // A worker that dies mid-reply must cost an EPIPE, not the broker.
  signal(SIGPIPE, SIG_IGN);
  BrokerSession session(std::move(config));
  return session.Run();
}

std::string Printable(std::string_view text) {
  constexpr size_t kMaxShown = 512;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (text.size() > kMaxShown) out += "...";
  return out;
}

BrokerSession::BrokerSession(BrokerConfig config) : config_(std::move(config)) {
  SetThreadResolver(config_.resolver != ResolverKind::kAuto ? config_.resolver
                                                            : ResolverKindFromEnvironment());
  if (Result<void> r = memory_.Init(config_.memfd); !r.ok()) {
    spdlog::error("broker: {}; every guest-memory access will answer EFAULT", r.error().message);
  }
  if (config_.control_fd >= 0) {
    Result<ControlMapping> mapped = ControlMapping::Map(config_.control_fd);
    if (mapped.ok()) {
      control_ = std::move(mapped).value();
      mailbox_.emplace(control_.page());
    } else {
      control_error_ = mapped.error().message;
    }
  }
  InstallStdio();
  InstallPreopens();
}

void BrokerSession::InstallStdio() {
  const int fds[3] = {config_.stdin_fd, config_.stdout_fd, config_.stderr_fd};
  const StdStream streams[3] = {StdStream::kIn, StdStream::kOut, StdStream::kErr};
  for (wasi::Fd i = 0; i < 3; ++i) {
    if (fds[i] < 0) continue;
    UniqueFd dup(fcntl(fds[i], F_DUPFD_CLOEXEC, 3));
    struct stat st;
    if (!dup.valid() || fstat(dup.get(), &st) != 0) continue;  // not open: guest sees EBADF
    Handle h;
    h.type = FileTypeOf(dup.get(), st.st_mode);
    h.rights_base = StdioRights(streams[i], h.type);
    h.fd = std::move(dup);
    h.host_path = i == 0 ? "<stdin>" : i == 1 ? "<stdout>" : "<stderr>";
    h.origin = HandleOrigin::kStdio;
    (void)table_.InstallAt(i, std::move(h));
  }
}

void BrokerSession::InstallPreopens() {
  wasi::Fd next = HandleTable::kFirstNonStdio;
  for (Preopen& p : config_.preopens) {
    UniqueFd fd(std::exchange(p.fd, -1));
    struct stat st;
    if (!fd.valid() || fstat(fd.get(), &st) != 0) {
      spdlog::error("broker: preopen {} ({}) is not an open descriptor; guest fd {} left empty",
                    p.guest_path, p.host_path, next);
      ++next;
      continue;
    }
    if (!S_ISDIR(st.st_mode) && !S_ISSOCK(st.st_mode)) {
      spdlog::error("broker: preopen {} ({}) is not a directory", p.guest_path, p.host_path);
    }
    Handle h;
    h.fd = std::move(fd);
    h.type = FileTypeOf(h.fd.get(), st.st_mode);
    h.rights_base = p.rights_base & wasi::right::kAll;
    h.rights_inheriting = p.rights_inheriting & wasi::right::kAll;
    h.guest_path = p.guest_path;
    h.host_path = p.host_path;
    h.origin = HandleOrigin::kPreopen;
    denies_.AddPreopen(h.fd.get(), p.guest_path);
    if (Result<void> r = table_.InstallAt(next, std::move(h)); !r.ok()) {
      spdlog::error("broker: preopen {}: {}", p.guest_path, r.error().message);
    }
    ++next;
  }
}

WorkerOutcome BrokerSession::Run() {
  // A worker told to use a page the broker cannot read would wait for
  // replies that never come; ending now closes the socket, which it sees.
  if (!control_error_.empty()) return Disconnected("control page unusable: " + control_error_);
  bool hot = false;  // the last request came through the mailbox: spin for the next
  for (;;) {
    Transport from = Transport::kSocket;
    size_t size = 0;
    if (mailbox_) {
      Result<BrokerMailbox::Event> event =
          mailbox_->Wait(config_.socket_fd, hot ? kBrokerSpinNs : 0);
      if (!event.ok()) return Violation(event.error().message);
      if (event.value() == BrokerMailbox::Event::kRequest) {
        Result<size_t> taken = mailbox_->Take(request_buffer_);
        if (!taken.ok()) return Violation(taken.error().message);
        from = Transport::kMailbox;
        size = taken.value();
      }
    }
    if (from == Transport::kSocket) {
      const Received rx = ReceiveMessage(config_.socket_fd, request_buffer_);
      switch (rx.status) {
        case ReceiveStatus::kMessage: break;
        case ReceiveStatus::kClosed:
          return Disconnected("the worker closed the broker socket without reporting an outcome");
        case ReceiveStatus::kError:
          return Disconnected(std::string("receiving from the worker: ") + strerror(rx.error));
        case ReceiveStatus::kTruncated:
          return Violation("message of " + std::to_string(rx.size) +
                           " bytes exceeds the largest request or carries ancillary data");
      }
      size = rx.size;
    }
    hot = from == Transport::kMailbox;
    // Parsed from the broker's own copy only (for the mailbox: the one copy
    // Take made), never from the shared page.
    Result<wire::Request> parsed =
        wire::ParseRequest(std::span<const uint8_t>(request_buffer_.data(), size));
    if (!parsed.ok()) return Violation(parsed.error().message);
    const wire::Request& request = parsed.value();
    const wire::OpSpec& spec = *wire::FindOpSpec(static_cast<uint32_t>(request.op));
    int send_error = 0;
    switch (spec.reply_kind) {
      case wire::ReplyKind::kNone:
        return Report(request);
      case wire::ReplyKind::kBlob:
        // Hello is the one blob op; its chunks travel on the socket only.
        if (from == Transport::kMailbox) {
          return Violation(std::string(wire::OpName(request.op)) +
                           " sent through the control page (it is socket-only)");
        }
        send_error = SendBlob(request.op, HelloBlob());
        break;
      case wire::ReplyKind::kFixed: {
        ReplyBody result;
        const wasi::Errno error = Dispatch(request, &result);
        send_error = SendReply(from, request.op, error, result);
        break;
      }
    }
    if (send_error != 0) {
      return Disconnected(std::string("replying to the worker: ") + strerror(send_error));
    }
    if (output_limit_hit_) {
      return WorkerOutcome{WorkerOutcome::Kind::kOutputLimit, 0,
                           "the guest wrote more than " +
                               std::to_string(config_.max_output_bytes) +
                               " bytes to stdout and stderr"};
    }
  }
}

wasi::Errno BrokerSession::Dispatch(const wire::Request& r, ReplyBody* out) {
  using wire::Op;
  namespace right = wasi::right;
  switch (r.op) {
    case Op::kFdWrite: return MoveBytes(r, Direction::kWrite, Positioned::kStream, out);
    case Op::kFdRead: return MoveBytes(r, Direction::kRead, Positioned::kStream, out);
    case Op::kFdPwrite: return MoveBytes(r, Direction::kWrite, Positioned::kAt, out);
    case Op::kFdPread: return MoveBytes(r, Direction::kRead, Positioned::kAt, out);
    case Op::kFdClose: return FdClose(r);
    case Op::kFdSeek: return FdSeek(r, out);
    case Op::kFdTell: return FdTell(r, out);
    case Op::kFdFdstatGet: return FdFdstatGet(r, out);
    case Op::kFdFdstatSetFlags: return FdFdstatSetFlags(r);
    case Op::kFdPrestatGet: return FdPrestatGet(r, out);
    case Op::kFdPrestatDirName: return FdPrestatDirName(r, out);
    case Op::kFdFilestatGet: return FdFilestatGet(r, out);
    case Op::kFdSync: return FdSync(r, right::kFdSync);
    case Op::kFdDatasync: return FdSync(r, right::kFdDatasync);
    case Op::kPathOpen: return PathOpen(r, out);
    case Op::kPathFilestatGet: return PathFilestatGet(r, out);
    case Op::kPathCreateDirectory:
    case Op::kPathRemoveDirectory:
    case Op::kPathUnlinkFile: return PathEntryOp(r);
    case Op::kClockResGet:
    case Op::kClockTimeGet: return Clock(r, out);
    case Op::kRandomGet: return RandomGet(r);
    case Op::kSchedYield: return sched_yield() == 0 ? wasi::Errno::kSuccess : ErrnoFromHost(errno);
    case Op::kUnsupported: return Unsupported(r);
    case Op::kFdReaddir: return FdReaddir(r, out);
    case Op::kFdRenumber: return FdRenumber(r);
    case Op::kFdFdstatSetRights: return FdFdstatSetRights(r);
    case Op::kFdFilestatSetSize: return FdFilestatSetSize(r);
    case Op::kFdFilestatSetTimes: return FdFilestatSetTimes(r);
    case Op::kFdAdvise: return FdAdvise(r);
    case Op::kFdAllocate: return FdAllocate(r);
    case Op::kPathFilestatSetTimes: return PathFilestatSetTimes(r);
    case Op::kPathLink: return PathLink(r);
    case Op::kPathReadlink: return PathReadlink(r, out);
    case Op::kPathRename: return PathRename(r);
    case Op::kPathSymlink: return PathSymlink(r);
    case Op::kPollOneoff: return PollOneoff(r, out);
    case Op::kSockAccept: return SockAccept(r, out);
    case Op::kSockRecv: return SockRecv(r, out);
    case Op::kSockSend: return SockSend(r, out);
    case Op::kSockShutdown: return SockShutdown(r);
    default: return wasi::Errno::kNosys;  // blob and report ops never get here
  }
}

int BrokerSession::SendReply(Transport transport, wire::Op op, wasi::Errno error,
                             const ReplyBody& result) {
  const wire::OpSpec& spec = *wire::FindOpSpec(static_cast<uint32_t>(op));
  const bool with_text = spec.reply_trailer == wire::Trailer::kText &&
                         error == wasi::Errno::kSuccess;
  const size_t text_size = with_text ? result.text.size() : 0;
  wire::ReplyHeader header{};
  header.op = static_cast<uint32_t>(op);
  header.length = static_cast<uint32_t>(sizeof(header) + spec.result_size + text_size);
  header.error = static_cast<uint16_t>(error);
  static const ReplyBody kZero;
  const ReplyBody& body = error == wasi::Errno::kSuccess ? result : kZero;
  const iovec parts[] = {Part(&header, sizeof(header)), Part(body.bytes.data(), spec.result_size),
                         Part(result.text.data(), text_size)};
  if (transport == Transport::kMailbox) return mailbox_->Reply(parts) ? 0 : EMSGSIZE;
  return SendMessage(config_.socket_fd, parts);
}

int BrokerSession::SendBlob(wire::Op op, std::string_view bytes) {
  ReplyBody start;
  start.Set(wire::U64Result{bytes.size()});
  if (bytes.size() > wire::kMaxHelloBytes) {
    spdlog::error("broker: {} blob of {} bytes exceeds the {}-byte limit", wire::OpName(op),
                  bytes.size(), wire::kMaxHelloBytes);
    return SendReply(Transport::kSocket, op, wasi::Errno::k2big, start);
  }
  if (int e = SendReply(Transport::kSocket, op, wasi::Errno::kSuccess, start); e != 0) return e;
  for (size_t at = 0; at < bytes.size(); at += wire::kChunkBytes) {
    const size_t n = std::min(wire::kChunkBytes, bytes.size() - at);
    const wire::ChunkHeader header{static_cast<uint32_t>(wire::Op::kChunk),
                                   static_cast<uint32_t>(sizeof(wire::ChunkHeader) + n)};
    const iovec parts[] = {Part(&header, sizeof(header)), Part(bytes.data() + at, n)};
    if (int e = SendMessage(config_.socket_fd, parts); e != 0) return e;
  }
  return 0;
}

std::string BrokerSession::HelloBlob() const {
  return EncodeHello(config_.args, config_.env);
}

WorkerOutcome BrokerSession::Report(const wire::Request& r) {
  WorkerOutcome outcome;
  if (r.op == wire::Op::kReportExit) {
    outcome.kind = WorkerOutcome::Kind::kExit;
    outcome.exit_code = r.As<wire::ExitArgs>().code;
  } else {
    outcome.kind = WorkerOutcome::Kind::kTrap;
    outcome.message = std::string(r.Text());
  }
  return outcome;
}

WorkerOutcome BrokerSession::Violation(std::string what) {
  spdlog::error("broker: protocol violation: {}", Printable(what));
  if (config_.events != nullptr) config_.events->OnProtocolViolation(what);
  return WorkerOutcome{WorkerOutcome::Kind::kProtocolViolation, 0, std::move(what)};
}

WorkerOutcome BrokerSession::Disconnected(std::string what) {
  spdlog::warn("broker: {}", what);
  return WorkerOutcome{WorkerOutcome::Kind::kDisconnected, 0, std::move(what)};
}

}  // namespace capsa::caps
