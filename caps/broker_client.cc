// BrokerClient: WasiHost over the control page and the broker socket; see
// broker_client.h for which op takes which and the syscalls it makes.
#include "caps/broker_client.h"

#include <algorithm>

#include "caps/blob.h"
#include "caps/channel.h"

namespace capsa::caps {

using wasi::Errno;
using wire::Op;

BrokerClient::BrokerClient(int socket_fd, ControlPage* control) : socket_fd_(socket_fd) {
  if (control != nullptr) mailbox_.emplace(control, socket_fd);
}

Errno BrokerClient::Break() {
  state_ = ChannelState::kBroken;
  return Errno::kIo;
}

// Ops that never change what a guest fd names, nor a handle's rights or fd
// flags (see fdstat_cache_). Everything else empties the cache first.
bool BrokerClient::KeepsFdStats(Op op) {
  switch (op) {
    case Op::kFdWrite: case Op::kFdRead: case Op::kFdPwrite: case Op::kFdPread:
    case Op::kFdSeek: case Op::kFdTell: case Op::kFdFdstatGet: case Op::kFdFilestatGet:
    case Op::kFdPrestatGet: case Op::kFdPrestatDirName: case Op::kFdReaddir:
    case Op::kPathOpen:  // a new handle takes a free number, never a cached one
    case Op::kPathFilestatGet: case Op::kClockTimeGet: case Op::kClockResGet:
    case Op::kRandomGet:
      return true;
    // These change only the fds they name, which their callers forget first.
    case Op::kFdClose: case Op::kFdRenumber: case Op::kFdFdstatSetFlags:
    case Op::kFdFdstatSetRights:
      return true;
    default:
      return false;
  }
}

void BrokerClient::ForgetFdStat(wasi::Fd fd) {
  for (size_t i = 0; i < fdstat_cached_; ++i) {
    if (fdstat_cache_[i].fd == fd) {
      fdstat_cache_[i] = fdstat_cache_[--fdstat_cached_];
      return;  // an fd is cached at most once
    }
  }
}

Errno BrokerClient::Call(Op op, const void* body, size_t body_size, const void* trailer,
                         size_t trailer_size) {
  if (state_ != ChannelState::kOk) return Errno::kIo;
  if (!KeepsFdStats(op)) fdstat_cached_ = 0;
  const wire::RequestHeader header{static_cast<uint32_t>(op),
                                   static_cast<uint32_t>(sizeof(wire::RequestHeader) +
                                                         body_size + trailer_size)};
  const iovec parts[] = {Part(&header, sizeof(header)), Part(body, body_size),
                         Part(trailer, trailer_size)};
  const wire::OpSpec* spec = wire::FindOpSpec(static_cast<uint32_t>(op));
  const bool no_reply = spec == nullptr || spec->reply_kind == wire::ReplyKind::kNone;
  // Hello's blob and the final report go on the socket (see the header).
  const bool by_page = mailbox_ && !no_reply && spec->reply_kind == wire::ReplyKind::kFixed &&
                       WorkerMailbox::Fits(header.length);
  Received rx;
  if (by_page) {
    mailbox_->Post(parts);
    rx = mailbox_->AwaitReply(reply_);
  } else {
    if (SendMessage(socket_fd_, parts) != 0) return Break();
    if (mailbox_) mailbox_->WakeBroker();
    if (no_reply) return Errno::kSuccess;
    rx = ReceiveMessage(socket_fd_, reply_);
  }
  if (rx.status != ReceiveStatus::kMessage || rx.size < sizeof(wire::ReplyHeader)) return Break();
  wire::ReplyHeader reply;
  std::memcpy(&reply, reply_.data(), sizeof(reply));
  size_t expected = sizeof(wire::ReplyHeader) + spec->result_size;
  if (spec->reply_trailer == wire::Trailer::kText && rx.size >= expected) {
    const auto text = ReplyAs<wire::TextArgs>();
    if (text.length > wire::kMaxTextBytes) return Break();
    expected += text.length;
  }
  if (reply.op != static_cast<uint32_t>(op) || reply.length != rx.size || rx.size != expected ||
      reply.error > static_cast<uint16_t>(Errno::kNotcapable)) {
    return Break();
  }
  return static_cast<Errno>(reply.error);
}

Result<std::string> BrokerClient::FetchBlob(Op op, uint64_t limit) {
  const Errno e = Call(op, nullptr, 0);
  if (e != Errno::kSuccess) {
    return MakeError(ErrorCode::kProtocol, std::string(wire::OpName(op)) +
                                               " refused by the broker (wasi errno " +
                                               std::to_string(static_cast<int>(e)) + ")");
  }
  const uint64_t total = ReplyAs<wire::U64Result>().value;
  if (total > limit) {
    Break();
    return MakeError(ErrorCode::kLimit, std::string(wire::OpName(op)) + " blob over its limit");
  }
  std::string blob;
  blob.reserve(total);
  std::vector<uint8_t> chunk(sizeof(wire::ChunkHeader) + wire::kChunkBytes + 1);
  while (blob.size() < total) {
    const Received rx = ReceiveMessage(socket_fd_, chunk);
    const size_t want = std::min<uint64_t>(wire::kChunkBytes, total - blob.size());
    wire::ChunkHeader header{};
    if (rx.status == ReceiveStatus::kMessage && rx.size >= sizeof(header)) {
      std::memcpy(&header, chunk.data(), sizeof(header));
    }
    if (rx.status != ReceiveStatus::kMessage || rx.size != sizeof(header) + want ||
        header.op != static_cast<uint32_t>(Op::kChunk) || header.length != rx.size) {
      Break();
      return MakeError(ErrorCode::kProtocol, "malformed blob chunk from the broker");
    }
    blob.append(reinterpret_cast<const char*>(chunk.data()) + sizeof(header), want);
  }
  return blob;
}

Result<void> BrokerClient::Hello() {
  TRY_ASSIGN(std::string blob, FetchBlob(Op::kHello, wire::kMaxHelloBytes));
  TRY_ASSIGN(HelloData data, DecodeHello(blob));
  args_ = std::move(data.args);
  env_ = std::move(data.env);
  return {};
}

void BrokerClient::ReportExit(uint32_t code) {
  const wire::ExitArgs args{code, 0};
  (void)Call(Op::kReportExit, &args, sizeof(args));
}

void BrokerClient::ReportTrap(std::string_view message) {
  message = message.substr(0, wire::kMaxTextBytes);
  const wire::TextArgs args{static_cast<uint32_t>(message.size()), 0};
  (void)Call(Op::kReportTrap, &args, sizeof(args), message.data(), message.size());
}

Errno BrokerClient::Io(Op op, wasi::Fd fd, std::span<const wasi::IoVec> iovs, uint64_t offset,
                       wasi::Size* moved) {
  if (iovs.size() > wire::kMaxIoVecs) return Errno::kInval;
  const wire::IoArgs args{fd, static_cast<uint32_t>(iovs.size()), offset};
  const Errno e = Call(op, &args, sizeof(args), iovs.data(), iovs.size_bytes());
  if (e == Errno::kSuccess) *moved = ReplyAs<wire::SizeResult>().size;
  return e;
}

Errno BrokerClient::FdWrite(wasi::Fd fd, std::span<const wasi::IoVec> iovs, wasi::Size* n) {
  return Io(Op::kFdWrite, fd, iovs, 0, n);
}
Errno BrokerClient::FdRead(wasi::Fd fd, std::span<const wasi::IoVec> iovs, wasi::Size* n) {
  return Io(Op::kFdRead, fd, iovs, 0, n);
}
Errno BrokerClient::FdPwrite(wasi::Fd fd, std::span<const wasi::IoVec> iovs,
                             wasi::FileSize offset, wasi::Size* n) {
  return Io(Op::kFdPwrite, fd, iovs, offset, n);
}
Errno BrokerClient::FdPread(wasi::Fd fd, std::span<const wasi::IoVec> iovs, wasi::FileSize offset,
                            wasi::Size* n) {
  return Io(Op::kFdPread, fd, iovs, offset, n);
}

Errno BrokerClient::FdOnly(Op op, wasi::Fd fd) {
  const wire::FdArgs args{fd, 0};
  return Call(op, &args, sizeof(args));
}

Errno BrokerClient::FdClose(wasi::Fd fd) {
  ForgetFdStat(fd);
  return FdOnly(Op::kFdClose, fd);
}
Errno BrokerClient::FdSync(wasi::Fd fd) { return FdOnly(Op::kFdSync, fd); }
Errno BrokerClient::FdDatasync(wasi::Fd fd) { return FdOnly(Op::kFdDatasync, fd); }

Errno BrokerClient::FdSeek(wasi::Fd fd, wasi::FileDelta offset, wasi::Whence whence,
                           wasi::FileSize* new_offset) {
  const wire::SeekArgs args{fd, static_cast<uint8_t>(whence), {0, 0, 0}, offset};
  const Errno e = Call(Op::kFdSeek, &args, sizeof(args));
  if (e == Errno::kSuccess) *new_offset = ReplyAs<wire::U64Result>().value;
  return e;
}

Errno BrokerClient::FdTell(wasi::Fd fd, wasi::FileSize* offset) {
  const Errno e = FdOnly(Op::kFdTell, fd);
  if (e == Errno::kSuccess) *offset = ReplyAs<wire::U64Result>().value;
  return e;
}

Errno BrokerClient::FdFdstatGet(wasi::Fd fd, wasi::FdStat* stat) {
  for (size_t i = 0; i < fdstat_cached_; ++i) {
    if (fdstat_cache_[i].fd == fd && state_ == ChannelState::kOk) {
      *stat = fdstat_cache_[i].stat;
      return Errno::kSuccess;
    }
  }
  const Errno e = FdOnly(Op::kFdFdstatGet, fd);
  if (e != Errno::kSuccess) return e;
  const auto r = ReplyAs<wire::FdStatResult>();
  const auto type = r.filetype <= static_cast<uint8_t>(wasi::FileType::kSymbolicLink)
                        ? static_cast<wasi::FileType>(r.filetype)
                        : wasi::FileType::kUnknown;
  *stat = wasi::FdStat{type, r.flags, r.rights_base, r.rights_inheriting};
  if (type == wasi::FileType::kDirectory) {
    size_t slot = fdstat_cached_;
    if (slot == fdstat_cache_.size()) {
      slot = fdstat_next_;
      fdstat_next_ = (fdstat_next_ + 1) % fdstat_cache_.size();
    } else {
      ++fdstat_cached_;
    }
    fdstat_cache_[slot] = CachedFdStat{fd, *stat};
  }
  return e;
}

Errno BrokerClient::FdFdstatSetFlags(wasi::Fd fd, wasi::FdFlags flags) {
  ForgetFdStat(fd);
  const wire::SetFlagsArgs args{fd, flags, 0};
  return Call(Op::kFdFdstatSetFlags, &args, sizeof(args));
}

Errno BrokerClient::FdPrestatGet(wasi::Fd fd, wasi::Prestat* prestat) {
  const Errno e = FdOnly(Op::kFdPrestatGet, fd);
  if (e != Errno::kSuccess) return e;
  const auto r = ReplyAs<wire::PrestatResult>();
  *prestat = wasi::Prestat{static_cast<uint8_t>(r.tag), r.name_len};
  return e;
}

Errno BrokerClient::FdPrestatDirName(wasi::Fd fd, std::string* name) {
  const Errno e = FdOnly(Op::kFdPrestatDirName, fd);
  if (e != Errno::kSuccess) return e;
  const auto r = ReplyAs<wire::TextArgs>();  // length checked against the reply by Call
  name->assign(reinterpret_cast<const char*>(reply_.data()) + sizeof(wire::ReplyHeader) +
                   sizeof(wire::TextArgs),
               r.length);
  return e;
}

Errno BrokerClient::FdFilestatGet(wasi::Fd fd, wasi::FileStat* stat) {
  const Errno e = FdOnly(Op::kFdFilestatGet, fd);
  if (e == Errno::kSuccess) *stat = wire::FromWire(ReplyAs<wire::FileStatResult>());
  return e;
}

Errno BrokerClient::PathCall(Op op, const wire::PathArgs& args, std::string_view path) {
  if (path.size() > wire::kMaxTextBytes) return Errno::kNametoolong;
  wire::PathArgs a = args;
  a.path_len = static_cast<uint32_t>(path.size());
  return Call(op, &a, sizeof(a), path.data(), path.size());
}

Errno BrokerClient::PathOpen(wasi::Fd dir_fd, wasi::LookupFlags dirflags, std::string_view path,
                             wasi::OFlags oflags, wasi::Rights rights_base,
                             wasi::Rights rights_inheriting, wasi::FdFlags fdflags,
                             wasi::Fd* opened) {
  const wire::PathArgs args{dir_fd, dirflags, rights_base, rights_inheriting, oflags, fdflags, 0};
  const Errno e = PathCall(Op::kPathOpen, args, path);
  if (e == Errno::kSuccess) *opened = ReplyAs<wire::FdResult>().fd;
  return e;
}

Errno BrokerClient::PathFilestatGet(wasi::Fd dir_fd, wasi::LookupFlags flags,
                                    std::string_view path, wasi::FileStat* stat) {
  const wire::PathArgs args{dir_fd, flags, 0, 0, 0, 0, 0};
  const Errno e = PathCall(Op::kPathFilestatGet, args, path);
  if (e == Errno::kSuccess) *stat = wire::FromWire(ReplyAs<wire::FileStatResult>());
  return e;
}

Errno BrokerClient::PathCreateDirectory(wasi::Fd dir_fd, std::string_view path) {
  return PathCall(Op::kPathCreateDirectory, wire::PathArgs{dir_fd, 0, 0, 0, 0, 0, 0}, path);
}
Errno BrokerClient::PathRemoveDirectory(wasi::Fd dir_fd, std::string_view path) {
  return PathCall(Op::kPathRemoveDirectory, wire::PathArgs{dir_fd, 0, 0, 0, 0, 0, 0}, path);
}
Errno BrokerClient::PathUnlinkFile(wasi::Fd dir_fd, std::string_view path) {
  return PathCall(Op::kPathUnlinkFile, wire::PathArgs{dir_fd, 0, 0, 0, 0, 0, 0}, path);
}

Errno BrokerClient::ClockResGet(wasi::ClockId id, wasi::Timestamp* resolution) {
  const wire::ClockArgs args{static_cast<uint32_t>(id), 0, 0};
  const Errno e = Call(Op::kClockResGet, &args, sizeof(args));
  if (e == Errno::kSuccess) *resolution = ReplyAs<wire::U64Result>().value;
  return e;
}

Errno BrokerClient::ClockTimeGet(wasi::ClockId id, wasi::Timestamp precision,
                                 wasi::Timestamp* time) {
  const wire::ClockArgs args{static_cast<uint32_t>(id), 0, precision};
  const Errno e = Call(Op::kClockTimeGet, &args, sizeof(args));
  if (e == Errno::kSuccess) *time = ReplyAs<wire::U64Result>().value;
  return e;
}

Errno BrokerClient::RandomGet(wasi::IoVec buffer) {
  const wire::RangeArgs args{buffer.offset, buffer.length};
  return Call(Op::kRandomGet, &args, sizeof(args));
}

Errno BrokerClient::SchedYield() { return Call(Op::kSchedYield, nullptr, 0); }

Errno BrokerClient::Unsupported(std::string_view function) {
  function = function.substr(0, wire::kMaxTextBytes);
  const wire::TextArgs args{static_cast<uint32_t>(function.size()), 0};
  return Call(Op::kUnsupported, &args, sizeof(args), function.data(), function.size());
}

std::string_view BrokerClient::ReplyText(size_t result_size) const {
  const auto r = ReplyAs<wire::TextArgs>();  // length checked against the reply by Call
  return {reinterpret_cast<const char*>(reply_.data()) + sizeof(wire::ReplyHeader) + result_size,
          r.length};
}

Errno BrokerClient::FdAdvise(wasi::Fd fd, wasi::FileSize offset, wasi::FileSize len,
                             wasi::Advice advice) {
  const wire::FdRangeArgs args{fd, static_cast<uint32_t>(advice), offset, len};
  return Call(Op::kFdAdvise, &args, sizeof(args));
}

Errno BrokerClient::FdAllocate(wasi::Fd fd, wasi::FileSize offset, wasi::FileSize len) {
  const wire::FdRangeArgs args{fd, 0, offset, len};
  return Call(Op::kFdAllocate, &args, sizeof(args));
}

Errno BrokerClient::FdFdstatSetRights(wasi::Fd fd, wasi::Rights base, wasi::Rights inheriting) {
  ForgetFdStat(fd);
  const wire::SetRightsArgs args{fd, 0, base, inheriting};
  return Call(Op::kFdFdstatSetRights, &args, sizeof(args));
}

Errno BrokerClient::FdFilestatSetSize(wasi::Fd fd, wasi::FileSize size) {
  const wire::SetSizeArgs args{fd, 0, size};
  return Call(Op::kFdFilestatSetSize, &args, sizeof(args));
}

Errno BrokerClient::FdFilestatSetTimes(wasi::Fd fd, wasi::Timestamp atim, wasi::Timestamp mtim,
                                       wasi::FstFlags flags) {
  const wire::TimesArgs args{fd, 0, atim, mtim, flags, 0, 0};
  return Call(Op::kFdFilestatSetTimes, &args, sizeof(args));
}

// One round trip: the broker packs the entries into guest memory itself.
Errno BrokerClient::FdReaddir(wasi::Fd fd, wasi::DirCookie cookie, wasi::IoVec buf,
                              wasi::Size* bufused) {
  const wire::ReaddirArgs args{fd, buf.offset, buf.length, 0, cookie};
  const Errno e = Call(Op::kFdReaddir, &args, sizeof(args));
  if (e != Errno::kSuccess) return e;
  const uint32_t used = ReplyAs<wire::SizeResult>().size;
  if (used > buf.length) return Break();  // more than was asked: not our broker
  *bufused = used;
  return e;
}

Errno BrokerClient::FdRenumber(wasi::Fd from, wasi::Fd to) {
  ForgetFdStat(from);
  ForgetFdStat(to);
  const wire::RenumberArgs args{from, to};
  return Call(Op::kFdRenumber, &args, sizeof(args));
}

Errno BrokerClient::PathFilestatSetTimes(wasi::Fd dir_fd, wasi::LookupFlags flags,
                                         std::string_view path, wasi::Timestamp atim,
                                         wasi::Timestamp mtim, wasi::FstFlags fst_flags) {
  if (path.size() > wire::kMaxTextBytes) return Errno::kNametoolong;
  const wire::TimesArgs args{dir_fd, flags, atim, mtim, fst_flags, 0,
                             static_cast<uint32_t>(path.size())};
  return Call(Op::kPathFilestatSetTimes, &args, sizeof(args), path.data(), path.size());
}

Errno BrokerClient::TwoPathCall(Op op, wire::TwoPathArgs args, std::string_view old_path,
                                std::string_view new_path) {
  if (old_path.size() > wire::kMaxTextBytes || new_path.size() > wire::kMaxTextBytes) {
    return Errno::kNametoolong;
  }
  args.old_len = static_cast<uint32_t>(old_path.size());
  args.total_len = static_cast<uint32_t>(old_path.size() + new_path.size());
  std::string both;
  both.reserve(args.total_len);
  both.append(old_path);
  both.append(new_path);
  return Call(op, &args, sizeof(args), both.data(), both.size());
}

Errno BrokerClient::PathLink(wasi::Fd old_dir_fd, wasi::LookupFlags old_flags,
                             std::string_view old_path, wasi::Fd new_dir_fd,
                             std::string_view new_path) {
  return TwoPathCall(Op::kPathLink, wire::TwoPathArgs{old_dir_fd, old_flags, new_dir_fd, 0, 0, 0},
                     old_path, new_path);
}

Errno BrokerClient::PathRename(wasi::Fd old_dir_fd, std::string_view old_path,
                               wasi::Fd new_dir_fd, std::string_view new_path) {
  return TwoPathCall(Op::kPathRename, wire::TwoPathArgs{old_dir_fd, 0, new_dir_fd, 0, 0, 0},
                     old_path, new_path);
}

Errno BrokerClient::PathSymlink(std::string_view old_path, wasi::Fd dir_fd,
                                std::string_view new_path) {
  return TwoPathCall(Op::kPathSymlink, wire::TwoPathArgs{0, 0, dir_fd, 0, 0, 0}, old_path,
                     new_path);
}

Errno BrokerClient::PathReadlink(wasi::Fd dir_fd, std::string_view path, std::string* target) {
  const Errno e = PathCall(Op::kPathReadlink, wire::PathArgs{dir_fd, 0, 0, 0, 0, 0, 0}, path);
  if (e == Errno::kSuccess) target->assign(ReplyText(sizeof(wire::TextArgs)));
  return e;
}

Errno BrokerClient::PollOneoff(std::span<const wasi::Subscription> subscriptions,
                               std::vector<wasi::Event>* events) {
  if (subscriptions.size() > wire::kMaxPollSubs) return Errno::kNotsup;
  std::vector<wire::PollSub> subs(subscriptions.size());
  for (size_t i = 0; i < subscriptions.size(); ++i) {
    const wasi::Subscription& s = subscriptions[i];
    wire::PollSub& w = subs[i];
    w.userdata = s.userdata;
    w.type = static_cast<uint8_t>(s.type);
    if (s.type == wasi::EventType::kClock) {
      w.clock_id = static_cast<uint32_t>(s.clock_id);
      w.timeout = s.timeout;
      w.precision = s.precision;
      w.flags = s.flags;
    } else {
      w.fd = s.fd;
    }
  }
  const wire::PollArgs args{static_cast<uint32_t>(subs.size()), 0};
  const Errno e = Call(Op::kPollOneoff, &args, sizeof(args), subs.data(),
                       subs.size() * sizeof(wire::PollSub));
  if (e != Errno::kSuccess) return e;
  const auto result = ReplyAs<wire::PollResult>();
  const std::string_view text = ReplyText(sizeof(wire::PollResult));
  if (result.count > subscriptions.size() ||
      text.size() != result.count * sizeof(wire::PollEvent)) {
    return Break();
  }
  for (uint32_t i = 0; i < result.count; ++i) {
    wire::PollEvent w;
    std::memcpy(&w, text.data() + i * sizeof(w), sizeof(w));
    wasi::Event ev;
    ev.userdata = w.userdata;
    ev.error = static_cast<Errno>(w.error);
    ev.type = w.type <= static_cast<uint8_t>(wasi::EventType::kFdWrite)
                  ? static_cast<wasi::EventType>(w.type) : wasi::EventType::kClock;
    ev.nbytes = w.nbytes;
    ev.flags = w.flags;
    events->push_back(ev);
  }
  return Errno::kSuccess;
}

// sock_*: the same shapes as fd_read/fd_write (IoArgs + iovecs; `offset`
// carries the flags), so the broker moves the bytes in guest memory directly.
Errno BrokerClient::SockAccept(wasi::Fd fd, wasi::FdFlags flags, wasi::Fd* accepted) {
  const wire::SockArgs args{fd, flags};
  const Errno e = Call(Op::kSockAccept, &args, sizeof(args));
  if (e == Errno::kSuccess) *accepted = ReplyAs<wire::FdResult>().fd;
  return e;
}
Errno BrokerClient::SockRecv(wasi::Fd fd, std::span<const wasi::IoVec> iovs, uint16_t ri_flags,
                             wasi::Size* ro_datalen, uint16_t* ro_flags) {
  if (iovs.size() > wire::kMaxIoVecs) return Errno::kInval;
  const wire::IoArgs args{fd, static_cast<uint32_t>(iovs.size()), ri_flags};
  const Errno e = Call(Op::kSockRecv, &args, sizeof(args), iovs.data(), iovs.size_bytes());
  if (e != Errno::kSuccess) return e;
  const auto result = ReplyAs<wire::RecvResult>();
  *ro_datalen = result.datalen;
  *ro_flags = result.roflags;
  return e;
}
Errno BrokerClient::SockSend(wasi::Fd fd, std::span<const wasi::IoVec> iovs, uint16_t si_flags,
                             wasi::Size* so_datalen) {
  return Io(Op::kSockSend, fd, iovs, si_flags, so_datalen);
}
Errno BrokerClient::SockShutdown(wasi::Fd fd, uint8_t how) {
  const wire::SockArgs args{fd, how};
  return Call(Op::kSockShutdown, &args, sizeof(args));
}

}  // namespace capsa::caps
