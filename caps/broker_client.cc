// BrokerClient: WasiHost over the broker socket. Only sendmsg/recvmsg (via
// caps/channel) and heap allocation; see broker_client.h.
#include "caps/broker_client.h"

#include <algorithm>

#include "caps/blob.h"
#include "caps/channel.h"

namespace capsa::caps {

using wasi::Errno;
using wire::Op;

BrokerClient::BrokerClient(int socket_fd) : socket_fd_(socket_fd) {}

Errno BrokerClient::Break() {
  state_ = ChannelState::kBroken;
  return Errno::kIo;
}

Errno BrokerClient::Call(Op op, const void* body, size_t body_size, const void* trailer,
                         size_t trailer_size) {
  if (state_ != ChannelState::kOk) return Errno::kIo;
  const wire::RequestHeader header{static_cast<uint32_t>(op),
                                   static_cast<uint32_t>(sizeof(wire::RequestHeader) +
                                                         body_size + trailer_size)};
  const iovec parts[] = {Part(&header, sizeof(header)), Part(body, body_size),
                         Part(trailer, trailer_size)};
  if (SendMessage(socket_fd_, parts) != 0) return Break();
  const wire::OpSpec* spec = wire::FindOpSpec(static_cast<uint32_t>(op));
  if (spec == nullptr || spec->reply_kind == wire::ReplyKind::kNone) return Errno::kSuccess;

  const Received rx = ReceiveMessage(socket_fd_, reply_);
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

Result<std::vector<uint8_t>> BrokerClient::FetchModule() {
  TRY_ASSIGN(std::string blob, FetchBlob(Op::kFetchModule, wire::kMaxModuleBytes));
  return std::vector<uint8_t>(blob.begin(), blob.end());
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

Errno BrokerClient::FdClose(wasi::Fd fd) { return FdOnly(Op::kFdClose, fd); }
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
  const Errno e = FdOnly(Op::kFdFdstatGet, fd);
  if (e != Errno::kSuccess) return e;
  const auto r = ReplyAs<wire::FdStatResult>();
  const auto type = r.filetype <= static_cast<uint8_t>(wasi::FileType::kSymbolicLink)
                        ? static_cast<wasi::FileType>(r.filetype)
                        : wasi::FileType::kUnknown;
  *stat = wasi::FdStat{type, r.flags, r.rights_base, r.rights_inheriting};
  return e;
}

Errno BrokerClient::FdFdstatSetFlags(wasi::Fd fd, wasi::FdFlags flags) {
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

}  // namespace capsa::caps
