// wasi_snapshot_preview1 ABI types and constants, as the witx in
// WebAssembly/WASI phases/snapshot/witx/typenames.witx defines them.
// Shared by the engine's guest-side WASI layer and by the broker (caps/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace capsa::wasi {

using Fd = uint32_t;
using Size = uint32_t;
using FileSize = uint64_t;
using FileDelta = int64_t;
using Timestamp = uint64_t;
using Device = uint64_t;
using Inode = uint64_t;
using LinkCount = uint64_t;
using DirCookie = uint64_t;

enum class Errno : uint16_t {
  kSuccess = 0, k2big = 1, kAcces = 2, kAddrinuse = 3, kAddrnotavail = 4, kAfnosupport = 5,
  kAgain = 6, kAlready = 7, kBadf = 8, kBadmsg = 9, kBusy = 10, kCanceled = 11, kChild = 12,
  kConnaborted = 13, kConnrefused = 14, kConnreset = 15, kDeadlk = 16, kDestaddrreq = 17,
  kDom = 18, kDquot = 19, kExist = 20, kFault = 21, kFbig = 22, kHostunreach = 23, kIdrm = 24,
  kIlseq = 25, kInprogress = 26, kIntr = 27, kInval = 28, kIo = 29, kIsconn = 30, kIsdir = 31,
  kLoop = 32, kMfile = 33, kMlink = 34, kMsgsize = 35, kMultihop = 36, kNametoolong = 37,
  kNetdown = 38, kNetreset = 39, kNetunreach = 40, kNfile = 41, kNobufs = 42, kNodev = 43,
  kNoent = 44, kNoexec = 45, kNolck = 46, kNolink = 47, kNomem = 48, kNomsg = 49,
  kNoprotoopt = 50, kNospc = 51, kNosys = 52, kNotconn = 53, kNotdir = 54, kNotempty = 55,
  kNotrecoverable = 56, kNotsock = 57, kNotsup = 58, kNotty = 59, kNxio = 60, kOverflow = 61,
  kOwnerdead = 62, kPerm = 63, kPipe = 64, kProto = 65, kProtonosupport = 66, kPrototype = 67,
  kRange = 68, kRofs = 69, kSpipe = 70, kSrch = 71, kStale = 72, kTimedout = 73, kTxtbsy = 74,
  kXdev = 75, kNotcapable = 76,
};

// Rights are a bit set; each bit is one operation a handle may perform.
using Rights = uint64_t;
namespace right {
inline constexpr Rights kFdDatasync = 1ull << 0;
inline constexpr Rights kFdRead = 1ull << 1;
inline constexpr Rights kFdSeek = 1ull << 2;
inline constexpr Rights kFdFdstatSetFlags = 1ull << 3;
inline constexpr Rights kFdSync = 1ull << 4;
inline constexpr Rights kFdTell = 1ull << 5;
inline constexpr Rights kFdWrite = 1ull << 6;
inline constexpr Rights kFdAdvise = 1ull << 7;
inline constexpr Rights kFdAllocate = 1ull << 8;
inline constexpr Rights kPathCreateDirectory = 1ull << 9;
inline constexpr Rights kPathCreateFile = 1ull << 10;
inline constexpr Rights kPathLinkSource = 1ull << 11;
inline constexpr Rights kPathLinkTarget = 1ull << 12;
inline constexpr Rights kPathOpen = 1ull << 13;
inline constexpr Rights kFdReaddir = 1ull << 14;
inline constexpr Rights kPathReadlink = 1ull << 15;
inline constexpr Rights kPathRenameSource = 1ull << 16;
inline constexpr Rights kPathRenameTarget = 1ull << 17;
inline constexpr Rights kPathFilestatGet = 1ull << 18;
inline constexpr Rights kPathFilestatSetSize = 1ull << 19;
inline constexpr Rights kPathFilestatSetTimes = 1ull << 20;
inline constexpr Rights kFdFilestatGet = 1ull << 21;
inline constexpr Rights kFdFilestatSetSize = 1ull << 22;
inline constexpr Rights kFdFilestatSetTimes = 1ull << 23;
inline constexpr Rights kPathSymlink = 1ull << 24;
inline constexpr Rights kPathRemoveDirectory = 1ull << 25;
inline constexpr Rights kPathUnlinkFile = 1ull << 26;
inline constexpr Rights kPollFdReadwrite = 1ull << 27;
inline constexpr Rights kSockShutdown = 1ull << 28;
inline constexpr Rights kSockAccept = 1ull << 29;
inline constexpr Rights kAll = (1ull << 30) - 1;
}  // namespace right

enum class FileType : uint8_t {
  kUnknown = 0, kBlockDevice = 1, kCharacterDevice = 2, kDirectory = 3, kRegularFile = 4,
  kSocketDgram = 5, kSocketStream = 6, kSymbolicLink = 7,
};

using FdFlags = uint16_t;
namespace fdflag {
inline constexpr FdFlags kAppend = 1 << 0;
inline constexpr FdFlags kDsync = 1 << 1;
inline constexpr FdFlags kNonblock = 1 << 2;
inline constexpr FdFlags kRsync = 1 << 3;
inline constexpr FdFlags kSync = 1 << 4;
}  // namespace fdflag

using OFlags = uint16_t;
namespace oflag {
inline constexpr OFlags kCreat = 1 << 0;
inline constexpr OFlags kDirectory = 1 << 1;
inline constexpr OFlags kExcl = 1 << 2;
inline constexpr OFlags kTrunc = 1 << 3;
}  // namespace oflag

using LookupFlags = uint32_t;
namespace lookupflag {
inline constexpr LookupFlags kSymlinkFollow = 1 << 0;
}

using FstFlags = uint16_t;
namespace fstflag {
inline constexpr FstFlags kAtim = 1 << 0;
inline constexpr FstFlags kAtimNow = 1 << 1;
inline constexpr FstFlags kMtim = 1 << 2;
inline constexpr FstFlags kMtimNow = 1 << 3;
}  // namespace fstflag

enum class Whence : uint8_t { kSet = 0, kCur = 1, kEnd = 2 };
enum class ClockId : uint32_t { kRealtime = 0, kMonotonic = 1, kProcessCputime = 2, kThreadCputime = 3 };
enum class Advice : uint8_t { kNormal = 0, kSequential = 1, kRandom = 2, kWillneed = 3, kDontneed = 4, kNoreuse = 5 };

// Guest-memory layouts (little-endian, offsets in bytes).
struct FdStat {             // size 24, align 8
  FileType filetype;        // @0
  FdFlags flags;            // @2
  Rights rights_base;       // @8
  Rights rights_inheriting; // @16
};

struct FileStat {           // size 64, align 8
  Device dev;               // @0
  Inode ino;                // @8
  FileType filetype;        // @16
  LinkCount nlink;          // @24
  FileSize size;            // @32
  Timestamp atim;           // @40
  Timestamp mtim;           // @48
  Timestamp ctim;           // @56
};

struct Prestat {            // size 8: u8 tag (0 = dir) @0, u32 name length @4
  uint8_t tag;
  uint32_t dir_name_len;
};

inline constexpr uint32_t kFdStatSize = 24;
inline constexpr uint32_t kFileStatSize = 64;
inline constexpr uint32_t kPrestatSize = 8;
inline constexpr uint32_t kIoVecSize = 8;
inline constexpr uint32_t kDirentHeaderSize = 24;  // d_next u64, d_ino u64, d_namlen u32, d_type u8

// poll_oneoff. Subscription: size 48 (userdata u64 @0, tag u8 @8, then for a
// clock: id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40; for
// fd_read/fd_write: fd u32 @16). Event: size 32 (userdata u64 @0, error u16 @8,
// type u8 @10, fd_readwrite.nbytes u64 @16, fd_readwrite.flags u16 @24).
enum class EventType : uint8_t { kClock = 0, kFdRead = 1, kFdWrite = 2 };
using SubClockFlags = uint16_t;
namespace subclockflag {
inline constexpr SubClockFlags kAbstime = 1 << 0;
}
using EventRwFlags = uint16_t;
namespace eventrwflag {
inline constexpr EventRwFlags kHangup = 1 << 0;
}

struct Subscription {
  uint64_t userdata = 0;
  EventType type = EventType::kClock;
  // kClock
  ClockId clock_id = ClockId::kRealtime;
  Timestamp timeout = 0;
  Timestamp precision = 0;
  SubClockFlags flags = 0;
  // kFdRead / kFdWrite
  Fd fd = 0;
};

struct Event {
  uint64_t userdata = 0;
  Errno error = Errno::kSuccess;
  EventType type = EventType::kClock;
  FileSize nbytes = 0;     // kFdRead / kFdWrite
  EventRwFlags flags = 0;  // kFdRead / kFdWrite
};

// One fd_readdir entry in the guest layout: a 24-byte dirent header (d_next
// u64 @0, d_ino u64 @8, d_namlen u32 @16, d_type u8 @20, 3 zero bytes)
// followed by the name bytes (no NUL).
struct DirEntryView {
  DirCookie next = 0;
  Inode ino = 0;
  FileType type = FileType::kUnknown;
  std::string_view name;
};

// Appends `entry` to buf at *used and advances *used. What does not fit is cut
// off at buf.size(), header or name alike (wasmtime's rule): the buffer is then
// full, *used == buf.size(), and the guest resumes from the previous entry's
// cookie. Returns false when the entry was cut (or nothing fit): stop packing.
// Pure; `buf` may be shared memory another process writes (it is only written).
bool PackDirent(std::span<uint8_t> buf, size_t* used, const DirEntryView& entry);

inline constexpr uint32_t kSubscriptionSize = 48;
inline constexpr uint32_t kEventSize = 32;

// The errno's POSIX-style name: "ESUCCESS", "E2BIG", "EACCES", ... "ENOTCAPABLE";
// "E?" for a value outside the enum. Defined in wasi_types.cc.
const char* ErrnoName(Errno e);

}  // namespace capsa::wasi
