#include "caps/protocol.h"

#include <array>
#include <cstddef>
#include <string>

namespace capsa::caps::wire {
namespace {

constexpr size_t kNoCount = 0;

constexpr OpSpec Fixed(size_t body, size_t result) {
  return {body, Trailer::kNone, kNoCount, result, Trailer::kNone, ReplyKind::kFixed};
}
constexpr OpSpec WithText(size_t body, size_t count_offset, size_t result) {
  return {body, Trailer::kText, count_offset, result, Trailer::kNone, ReplyKind::kFixed};
}
constexpr OpSpec WithIoVecs(size_t result) {
  return {sizeof(IoArgs), Trailer::kIoVecs, offsetof(IoArgs, iovs_count), result,
          Trailer::kNone, ReplyKind::kFixed};
}
constexpr OpSpec Blob() {
  return {0, Trailer::kNone, kNoCount, sizeof(U64Result), Trailer::kNone, ReplyKind::kBlob};
}
constexpr OpSpec NoReply(size_t body, Trailer trailer, size_t count_offset) {
  return {body, trailer, count_offset, 0, Trailer::kNone, ReplyKind::kNone};
}

constexpr size_t kPathLen = offsetof(PathArgs, path_len);

constexpr OpSpec TwoPaths() {
  return {sizeof(TwoPathArgs), Trailer::kTwoTexts, offsetof(TwoPathArgs, total_len), 0,
          Trailer::kNone, ReplyKind::kFixed};
}

// Indexed by op - kFirstOp.
constexpr std::array<OpSpec, kLastRequestOp> kSpecs = {{
    Blob(),                                                  // kHello
    {},                                                      // kRetired2: refused
    WithIoVecs(sizeof(SizeResult)),                          // kFdWrite
    WithIoVecs(sizeof(SizeResult)),                          // kFdRead
    WithIoVecs(sizeof(SizeResult)),                          // kFdPwrite
    WithIoVecs(sizeof(SizeResult)),                          // kFdPread
    Fixed(sizeof(FdArgs), 0),                                // kFdClose
    Fixed(sizeof(SeekArgs), sizeof(U64Result)),              // kFdSeek
    Fixed(sizeof(FdArgs), sizeof(U64Result)),                // kFdTell
    Fixed(sizeof(FdArgs), sizeof(FdStatResult)),             // kFdFdstatGet
    Fixed(sizeof(SetFlagsArgs), 0),                          // kFdFdstatSetFlags
    Fixed(sizeof(FdArgs), sizeof(PrestatResult)),            // kFdPrestatGet
    {sizeof(FdArgs), Trailer::kNone, kNoCount, sizeof(TextArgs), Trailer::kText,
     ReplyKind::kFixed},                                     // kFdPrestatDirName
    Fixed(sizeof(FdArgs), sizeof(FileStatResult)),           // kFdFilestatGet
    Fixed(sizeof(FdArgs), 0),                                // kFdSync
    Fixed(sizeof(FdArgs), 0),                                // kFdDatasync
    WithText(sizeof(PathArgs), kPathLen, sizeof(FdResult)),  // kPathOpen
    WithText(sizeof(PathArgs), kPathLen, sizeof(FileStatResult)),  // kPathFilestatGet
    WithText(sizeof(PathArgs), kPathLen, 0),                 // kPathCreateDirectory
    WithText(sizeof(PathArgs), kPathLen, 0),                 // kPathRemoveDirectory
    WithText(sizeof(PathArgs), kPathLen, 0),                 // kPathUnlinkFile
    Fixed(sizeof(ClockArgs), sizeof(U64Result)),             // kClockResGet
    Fixed(sizeof(ClockArgs), sizeof(U64Result)),             // kClockTimeGet
    Fixed(sizeof(RangeArgs), 0),                             // kRandomGet
    Fixed(0, 0),                                             // kSchedYield
    WithText(sizeof(TextArgs), offsetof(TextArgs, length), 0),  // kUnsupported
    NoReply(sizeof(ExitArgs), Trailer::kNone, kNoCount),     // kReportExit
    NoReply(sizeof(TextArgs), Trailer::kText, offsetof(TextArgs, length)),  // kReportTrap
    Fixed(sizeof(ReaddirArgs), sizeof(SizeResult)),          // kFdReaddir
    Fixed(sizeof(RenumberArgs), 0),                          // kFdRenumber
    Fixed(sizeof(SetRightsArgs), 0),                         // kFdFdstatSetRights
    Fixed(sizeof(SetSizeArgs), 0),                           // kFdFilestatSetSize
    Fixed(sizeof(TimesArgs), 0),                             // kFdFilestatSetTimes
    Fixed(sizeof(FdRangeArgs), 0),                           // kFdAdvise
    Fixed(sizeof(FdRangeArgs), 0),                           // kFdAllocate
    WithText(sizeof(TimesArgs), offsetof(TimesArgs, path_len), 0),  // kPathFilestatSetTimes
    TwoPaths(),                                              // kPathLink
    {sizeof(PathArgs), Trailer::kText, kPathLen, sizeof(TextArgs), Trailer::kText,
     ReplyKind::kFixed},                                     // kPathReadlink
    TwoPaths(),                                              // kPathRename
    TwoPaths(),                                              // kPathSymlink
    {sizeof(PollArgs), Trailer::kPollSubs, offsetof(PollArgs, count), sizeof(PollResult),
     Trailer::kText, ReplyKind::kFixed},                     // kPollOneoff
    Fixed(sizeof(SockArgs), sizeof(FdResult)),               // kSockAccept
    WithIoVecs(sizeof(RecvResult)),                          // kSockRecv
    WithIoVecs(sizeof(SizeResult)),                          // kSockSend
    Fixed(sizeof(SockArgs), 0),                              // kSockShutdown
}};

Error Violation(std::string what) { return MakeError(ErrorCode::kProtocol, std::move(what)); }

// Fields an op does not use must be zero, so that no byte of a request is
// ever silently ignored.
bool UnusedFieldsZero(const Request& r) {
  switch (r.op) {
    case Op::kFdClose: case Op::kFdTell: case Op::kFdFdstatGet: case Op::kFdPrestatGet:
    case Op::kFdPrestatDirName: case Op::kFdFilestatGet: case Op::kFdSync:
    case Op::kFdDatasync:
      return r.As<FdArgs>().pad == 0;
    case Op::kFdWrite: case Op::kFdRead:
      return r.As<IoArgs>().offset == 0;
    case Op::kFdSeek: {
      const auto a = r.As<SeekArgs>();
      return a.pad[0] == 0 && a.pad[1] == 0 && a.pad[2] == 0;
    }
    case Op::kFdFdstatSetFlags:
      return r.As<SetFlagsArgs>().pad == 0;
    case Op::kPathFilestatGet: case Op::kPathCreateDirectory: case Op::kPathRemoveDirectory:
    case Op::kPathUnlinkFile: {
      const auto a = r.As<PathArgs>();
      const bool open_fields_zero =
          a.rights_base == 0 && a.rights_inheriting == 0 && a.oflags == 0 && a.fdflags == 0;
      return open_fields_zero && (r.op == Op::kPathFilestatGet || a.lookup_flags == 0);
    }
    case Op::kClockResGet: {
      const auto a = r.As<ClockArgs>();
      return a.pad == 0 && a.precision == 0;
    }
    case Op::kClockTimeGet:
      return r.As<ClockArgs>().pad == 0;
    case Op::kUnsupported: case Op::kReportTrap:
      return r.As<TextArgs>().pad == 0;
    case Op::kReportExit:
      return r.As<ExitArgs>().pad == 0;
    case Op::kFdReaddir:
      return r.As<ReaddirArgs>().pad == 0;
    case Op::kFdFdstatSetRights:
      return r.As<SetRightsArgs>().pad == 0;
    case Op::kFdFilestatSetSize:
      return r.As<SetSizeArgs>().pad == 0;
    case Op::kFdFilestatSetTimes: {
      const auto a = r.As<TimesArgs>();
      return a.pad == 0 && a.lookup_flags == 0 && a.path_len == 0;
    }
    case Op::kPathFilestatSetTimes:
      return r.As<TimesArgs>().pad == 0;
    case Op::kFdAllocate:
      return r.As<FdRangeArgs>().advice == 0;
    case Op::kPathReadlink: {
      const auto a = r.As<PathArgs>();
      return a.lookup_flags == 0 && a.rights_base == 0 && a.rights_inheriting == 0 &&
             a.oflags == 0 && a.fdflags == 0;
    }
    case Op::kPathLink: case Op::kPathRename: case Op::kPathSymlink: {
      const auto a = r.As<TwoPathArgs>();
      const bool old_len_ok = a.old_len <= kMaxTextBytes && a.total_len >= a.old_len &&
                              a.total_len - a.old_len <= kMaxTextBytes;
      const bool flags_ok = r.op == Op::kPathLink || a.old_flags == 0;
      const bool old_fd_ok = r.op != Op::kPathSymlink || a.old_fd == 0;
      return a.pad == 0 && old_len_ok && flags_ok && old_fd_ok;
    }
    case Op::kPollOneoff: {
      if (r.As<PollArgs>().pad != 0) return false;
      for (size_t i = 0; i < r.trailer.size() / sizeof(PollSub); ++i) {
        const PollSub sub = r.PollSubAt(i);
        if (sub.pad != 0 || sub.pad2 != 0) return false;
      }
      return true;
    }
    case Op::kSockRecv: case Op::kSockSend:
      return r.As<IoArgs>().offset <= 0xffff;  // the u16 ri_flags / si_flags
    default:
      return true;
  }
}

}  // namespace

const char* OpName(Op op) {
  static constexpr const char* kNames[] = {
      "hello", "retired_2", "fd_write", "fd_read", "fd_pwrite", "fd_pread", "fd_close",
      "fd_seek", "fd_tell", "fd_fdstat_get", "fd_fdstat_set_flags", "fd_prestat_get",
      "fd_prestat_dir_name", "fd_filestat_get", "fd_sync", "fd_datasync", "path_open",
      "path_filestat_get", "path_create_directory", "path_remove_directory",
      "path_unlink_file", "clock_res_get", "clock_time_get", "random_get", "sched_yield",
      "unsupported", "report_exit", "report_trap", "fd_readdir", "fd_renumber",
      "fd_fdstat_set_rights", "fd_filestat_set_size", "fd_filestat_set_times", "fd_advise",
      "fd_allocate", "path_filestat_set_times", "path_link", "path_readlink", "path_rename",
      "path_symlink", "poll_oneoff", "sock_accept", "sock_recv", "sock_send", "sock_shutdown",
      "chunk",
  };
  const auto i = static_cast<size_t>(op) - kFirstOp;
  return i < sizeof(kNames) / sizeof(kNames[0]) ? kNames[i] : "unknown";
}

const OpSpec* FindOpSpec(uint32_t op) {
  if (op < kFirstOp || op > kLastRequestOp || op == static_cast<uint32_t>(Op::kRetired2)) {
    return nullptr;
  }
  return &kSpecs[op - kFirstOp];
}

Result<Request> ParseRequest(std::span<const uint8_t> message) {
  if (message.size() < sizeof(RequestHeader)) {
    return Violation("message of " + std::to_string(message.size()) +
                     " bytes is shorter than a request header");
  }
  RequestHeader header;
  std::memcpy(&header, message.data(), sizeof(header));
  if (header.length != message.size()) {
    return Violation("header length " + std::to_string(header.length) + " but " +
                     std::to_string(message.size()) + " bytes received");
  }
  const OpSpec* spec = FindOpSpec(header.op);
  if (spec == nullptr) return Violation("unknown op " + std::to_string(header.op));
  const Op op = static_cast<Op>(header.op);
  const size_t fixed = sizeof(RequestHeader) + spec->body_size;
  if (message.size() < fixed) {
    return Violation(std::string(OpName(op)) + " request shorter than its fixed body");
  }
  Request request{op, message.subspan(sizeof(RequestHeader), spec->body_size), {}};
  size_t trailer_bytes = 0;
  if (spec->trailer != Trailer::kNone) {
    uint32_t count = 0;
    std::memcpy(&count, request.body.data() + spec->count_offset, sizeof(count));
    size_t limit = kMaxIoVecs;
    size_t unit = sizeof(wasi::IoVec);
    switch (spec->trailer) {
      case Trailer::kText: limit = kMaxTextBytes; unit = 1; break;
      case Trailer::kTwoTexts: limit = 2 * kMaxTextBytes; unit = 1; break;
      case Trailer::kPollSubs: limit = kMaxPollSubs; unit = sizeof(PollSub); break;
      default: break;
    }
    if (count > limit) {
      return Violation(std::string(OpName(op)) + " count " + std::to_string(count) +
                       " over the limit " + std::to_string(limit));
    }
    trailer_bytes = count * unit;
  }
  if (message.size() != fixed + trailer_bytes) {
    return Violation(std::string(OpName(op)) + " request is " + std::to_string(message.size()) +
                     " bytes, expected " + std::to_string(fixed + trailer_bytes));
  }
  request.trailer = message.subspan(fixed, trailer_bytes);
  if (!UnusedFieldsZero(request)) {
    return Violation(std::string(OpName(op)) + " request has non-zero padding or unused fields");
  }
  return request;
}

}  // namespace capsa::caps::wire
