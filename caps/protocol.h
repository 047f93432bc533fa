// The broker wire protocol: small, fixed, typed messages over SOCK_SEQPACKET
// (one message per send; the kernel keeps the boundaries), or — the same
// bytes — through the shared control page's request/reply areas
// (caps/control_page.h; every request and reply fits them).
//
//   request  = RequestHeader{op, length} + the op's fixed body
//              + optional trailer: path/name bytes (<= 4096) or IoVec[] (<= 1024)
//   reply    = ReplyHeader{op, length, errno} + the op's fixed result body
//              + optional trailer (fd_prestat_dir_name, path_readlink: the text;
//              poll_oneoff: the events)
//   blob     = Hello's reply {total size}, then ChunkHeader +
//              <= 64 KiB of bytes per message until total is reached
//
// Payload bytes never travel here: fd_read/fd_write/pread/pwrite, sock_recv/
// sock_send, random_get and fd_readdir name guest-memory ranges, and the broker
// moves the bytes between the real fd and its own mapping of the linear memory.
//
// `length` is the whole message in bytes and must equal what was received.
// Bodies are plain little-endian structs with explicit, zero padding; every
// field an op does not use must be zero. Anything else is a protocol
// violation: the message stays failed and the session ends (Chromium's
// syscall_broker rule). Guest-controlled *values* (a whence of 7, clock id 9,
// an fd number that names nothing) are not violations: the broker answers
// them with a WASI errno, because an honest engine passes them through.
//
// Nothing in this file touches the OS; ParseRequest is pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "engine/base/result.h"
#include "engine/wasi/wasi_host.h"

namespace capsa::caps::wire {

enum class Op : uint32_t {
  // 2 was FetchModule: the worker now decodes the module it inherited through
  // fork (launcher/worker.h). The number stays retired; the broker refuses it.
  kHello = 1, kRetired2, kFdWrite, kFdRead, kFdPwrite, kFdPread, kFdClose, kFdSeek,
  kFdTell, kFdFdstatGet, kFdFdstatSetFlags, kFdPrestatGet, kFdPrestatDirName, kFdFilestatGet,
  kFdSync, kFdDatasync, kPathOpen, kPathFilestatGet, kPathCreateDirectory,
  kPathRemoveDirectory, kPathUnlinkFile, kClockResGet, kClockTimeGet, kRandomGet, kSchedYield,
  kUnsupported, kReportExit, kReportTrap,
  // The rest of preview1 (caps/broker_dir_ops.cc, broker_fd_ops.cc, broker_poll_ops.cc).
  kFdReaddir, kFdRenumber, kFdFdstatSetRights, kFdFilestatSetSize, kFdFilestatSetTimes,
  kFdAdvise, kFdAllocate, kPathFilestatSetTimes, kPathLink, kPathReadlink, kPathRename,
  kPathSymlink, kPollOneoff,
  // Preopened sockets (caps/broker_sock_ops.cc).
  kSockAccept, kSockRecv, kSockSend, kSockShutdown,
  kChunk,  // reply stream only: one piece of a blob
};
inline constexpr uint32_t kFirstOp = 1;
inline constexpr uint32_t kLastRequestOp = static_cast<uint32_t>(Op::kSockShutdown);
const char* OpName(Op op);

inline constexpr size_t kMaxTextBytes = 4096;   // paths, names, trap messages
inline constexpr size_t kMaxIoVecs = 1024;      // Linux IOV_MAX
inline constexpr size_t kChunkBytes = 64 * 1024;
inline constexpr uint64_t kMaxHelloBytes = 1 << 20;         // args + env

// ---- requests ----
struct RequestHeader { uint32_t op; uint32_t length; };
struct FdArgs { uint32_t fd; uint32_t pad; };
// fd_read/fd_write (offset must be 0) and fd_pread/fd_pwrite; IoVec[iovs_count] follows.
struct IoArgs { uint32_t fd; uint32_t iovs_count; uint64_t offset; };
struct SeekArgs { uint32_t fd; uint8_t whence; uint8_t pad[3]; int64_t offset; };
struct SetFlagsArgs { uint32_t fd; uint16_t flags; uint16_t pad; };
// Every path_* op; fields the op does not use are zero. path_len bytes follow.
struct PathArgs {
  uint32_t fd; uint32_t lookup_flags;
  uint64_t rights_base; uint64_t rights_inheriting;
  uint16_t oflags; uint16_t fdflags; uint32_t path_len;
};
struct ClockArgs { uint32_t id; uint32_t pad; uint64_t precision; };  // res_get: precision 0
struct RangeArgs { uint32_t offset; uint32_t length; };               // random_get
struct TextArgs { uint32_t length; uint32_t pad; };                   // unsupported, trap; text follows
struct ExitArgs { uint32_t code; uint32_t pad; };
// fd_readdir: the broker packs the entries from `cookie` on straight into
// guest memory [buf, buf + buf_len) through its own mapping (checked against
// the size it observes, as fd_read's iovecs) and replies SizeResult = bufused.
struct ReaddirArgs { uint32_t fd; uint32_t buf; uint32_t buf_len; uint32_t pad; uint64_t cookie; };
struct RenumberArgs { uint32_t from; uint32_t to; };
struct SetRightsArgs { uint32_t fd; uint32_t pad; uint64_t rights_base; uint64_t rights_inheriting; };
struct SetSizeArgs { uint32_t fd; uint32_t pad; uint64_t size; };
// fd_filestat_set_times (path_len 0, lookup_flags 0) and path_filestat_set_times.
struct TimesArgs {
  uint32_t fd; uint32_t lookup_flags; uint64_t atim; uint64_t mtim;
  uint16_t fst_flags; uint16_t pad; uint32_t path_len;
};
// fd_advise (advice) and fd_allocate (advice 0).
struct FdRangeArgs { uint32_t fd; uint32_t advice; uint64_t offset; uint64_t length; };
// path_link, path_rename, path_symlink: old_len bytes of the old path (for
// symlink: the link's target text; old_fd 0), then new_len bytes of the new
// path. total_len = old_len + new_len, each <= kMaxTextBytes.
struct TwoPathArgs {
  uint32_t old_fd; uint32_t old_flags; uint32_t new_fd; uint32_t old_len;
  uint32_t total_len; uint32_t pad;
};
// poll_oneoff: count PollSub follow. clock: clock_id/timeout/precision/flags;
// fd_read/fd_write: fd.
struct PollArgs { uint32_t count; uint32_t pad; };
// sock_accept: value = fdflags; sock_shutdown: value = sdflags. sock_recv and
// sock_send use IoArgs with `offset` carrying ri_flags / si_flags (<= 0xffff).
struct SockArgs { uint32_t fd; uint32_t value; };
struct PollSub {
  uint64_t userdata; uint8_t type; uint8_t pad; uint16_t flags; uint32_t fd;
  uint32_t clock_id; uint32_t pad2; uint64_t timeout; uint64_t precision;
};
inline constexpr size_t kMaxPollSubs = 128;

// ---- replies ----
struct ReplyHeader { uint32_t op; uint32_t length; uint16_t error; uint16_t pad; uint32_t pad2; };
struct SizeResult { uint32_t size; uint32_t pad; };
struct U64Result { uint64_t value; };  // seek/tell offset, clock value, blob total size
struct FdResult { uint32_t fd; uint32_t pad; };
struct FdStatResult {
  uint8_t filetype; uint8_t pad; uint16_t flags; uint32_t pad2;
  uint64_t rights_base; uint64_t rights_inheriting;
};
struct PrestatResult { uint32_t tag; uint32_t name_len; };
struct FileStatResult {
  uint64_t dev; uint64_t ino; uint8_t filetype; uint8_t pad[7];
  uint64_t nlink; uint64_t size; uint64_t atim; uint64_t mtim; uint64_t ctim;
};
struct EmptyResult {};
// poll_oneoff: `length` bytes = count PollEvent follow.
struct PollEvent {
  uint64_t userdata; uint64_t nbytes; uint16_t error; uint8_t type; uint8_t pad;
  uint16_t flags; uint16_t pad2;
};
struct PollResult { uint32_t length; uint32_t count; };
struct RecvResult { uint32_t datalen; uint16_t roflags; uint16_t pad; };
struct ChunkHeader { uint32_t op; uint32_t length; };

static_assert(sizeof(RequestHeader) == 8 && sizeof(ReplyHeader) == 16);
static_assert(sizeof(IoArgs) == 16 && sizeof(SeekArgs) == 16 && sizeof(PathArgs) == 32);
static_assert(sizeof(FdStatResult) == 24 && sizeof(FileStatResult) == 64);
static_assert(sizeof(wasi::IoVec) == 8);
static_assert(sizeof(TimesArgs) == 32 && sizeof(TwoPathArgs) == 24 && sizeof(PollSub) == 40);
static_assert(sizeof(PollEvent) == 24 && sizeof(FdRangeArgs) == 24);
static_assert(sizeof(ReaddirArgs) == 24);

inline FileStatResult ToWire(const wasi::FileStat& s) {
  FileStatResult w{};
  w.dev = s.dev; w.ino = s.ino; w.filetype = static_cast<uint8_t>(s.filetype);
  w.nlink = s.nlink; w.size = s.size; w.atim = s.atim; w.mtim = s.mtim; w.ctim = s.ctim;
  return w;
}
// The broker chose the filetype byte; an out-of-range value reads as kUnknown.
inline wasi::FileStat FromWire(const FileStatResult& w) {
  const auto type = w.filetype <= static_cast<uint8_t>(wasi::FileType::kSymbolicLink)
                        ? static_cast<wasi::FileType>(w.filetype) : wasi::FileType::kUnknown;
  return wasi::FileStat{w.dev, w.ino, type, w.nlink, w.size, w.atim, w.mtim, w.ctim};
}

// kTwoTexts: TwoPathArgs' two paths back to back (count = total_len).
// kPollSubs: PollArgs.count PollSub records.
enum class Trailer : uint8_t { kNone, kText, kIoVecs, kTwoTexts, kPollSubs };
// kNone: ReportExit/ReportTrap (the worker exits next); kBlob: Hello.
enum class ReplyKind : uint8_t { kNone, kFixed, kBlob };

// The shape of one op's request and reply.
struct OpSpec {
  size_t body_size;          // request body (after the header)
  Trailer trailer;           // what follows the body
  size_t count_offset;       // offset in the body of the u32 trailer count
  size_t result_size;        // reply body (after the ReplyHeader)
  Trailer reply_trailer;     // kText for fd_prestat_dir_name
  ReplyKind reply_kind;
};
// nullptr for values that are not request ops.
const OpSpec* FindOpSpec(uint32_t op);

// The largest request and reply; receive buffers are one byte longer so an
// oversized message is always detected.
inline constexpr size_t kMaxRequestBytes =
    sizeof(RequestHeader) + sizeof(PathArgs) + kMaxIoVecs * sizeof(wasi::IoVec);
static_assert(kMaxRequestBytes >= sizeof(RequestHeader) + sizeof(TwoPathArgs) + 2 * kMaxTextBytes);
static_assert(kMaxRequestBytes >= sizeof(RequestHeader) + sizeof(PollArgs) +
                                      kMaxPollSubs * sizeof(PollSub));
static_assert(kMaxTextBytes >= kMaxPollSubs * sizeof(PollEvent));
inline constexpr size_t kMaxReplyBytes = sizeof(ReplyHeader) + 64 + kMaxTextBytes;

// A request that parsed. The spans point into the caller's receive buffer.
struct Request {
  Op op;
  std::span<const uint8_t> body;
  std::span<const uint8_t> trailer;

  // body.size() == sizeof(Body) was checked by ParseRequest for this op.
  template <typename Body>
  Body As() const {
    Body b{};
    if (body.size() == sizeof(Body)) std::memcpy(&b, body.data(), sizeof(Body));
    return b;
  }
  std::string_view Text() const {
    return {reinterpret_cast<const char*>(trailer.data()), trailer.size()};
  }
  // kTwoTexts: the old and new path (old_len was checked by ParseRequest).
  std::string_view OldPath() const { return Text().substr(0, As<TwoPathArgs>().old_len); }
  std::string_view NewPath() const { return Text().substr(As<TwoPathArgs>().old_len); }
  PollSub PollSubAt(size_t i) const {
    PollSub s{};
    std::memcpy(&s, trailer.data() + i * sizeof(PollSub), sizeof(s));
    return s;
  }
  size_t IoVecCount() const { return trailer.size() / sizeof(wasi::IoVec); }
  wasi::IoVec IoVecAt(size_t i) const {
    wasi::IoVec v{};
    std::memcpy(&v, trailer.data() + i * sizeof(wasi::IoVec), sizeof(v));
    return v;
  }
};

// Strict parse: exact sizes, known op, counts within limits, zero padding and
// unused fields. Error code kProtocol with a sentence saying what was wrong.
Result<Request> ParseRequest(std::span<const uint8_t> message);

}  // namespace capsa::caps::wire
