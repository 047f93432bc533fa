#include "tools/fuzz/broker_harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "caps/broker.h"
#include "caps/path_resolver.h"
#include "caps/protocol.h"
#include "caps/rights.h"
#include "policy/events.h"

namespace capsa::caps::fuzz {
namespace {

namespace fs = std::filesystem;
using wire::Op;

// A broker that has not returned this long after the worker hung up is hung.
constexpr auto kHangLimit = std::chrono::seconds(5);
// Files the guest writes are capped (pwrite at 2^40, 1024 iovecs of 64 KiB):
// beyond this the kernel answers EFBIG instead of filling the disk.
constexpr rlim_t kMaxFileBytes = 16 << 20;

class CountingSink final : public policy::EventSink {
 public:
  void OnDenial(const policy::DenialEvent&) override { ++denials; }
  void OnDerived(const policy::DerivedEvent&) override { ++derived; }
  void OnUnsupported(const std::string&) override { ++unsupported; }
  void OnProtocolViolation(const std::string&) override { ++violations; }
  size_t denials = 0, derived = 0, unsupported = 0, violations = 0;
};

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const char* OutcomeName(WorkerOutcome::Kind k) {
  switch (k) {
    case WorkerOutcome::Kind::kExit: return "exit";
    case WorkerOutcome::Kind::kTrap: return "trap";
    case WorkerOutcome::Kind::kProtocolViolation: return "protocol_violation";
    case WorkerOutcome::Kind::kDisconnected: return "disconnected";
    default: return "other";  // kinds the broker gained later (e.g. output limit)
  }
}

}  // namespace

// ---- input format ----

std::vector<Message> SplitMessages(std::span<const uint8_t> input) {
  std::vector<Message> out;
  size_t at = 0;
  while (at + 2 <= input.size() && out.size() < kMaxMessages) {
    const size_t header = input[at] | (static_cast<size_t>(input[at + 1]) << 8);
    at += 2;
    const size_t n = std::min(header & kMaxRecordBytes, input.size() - at);
    Message m;
    m.bytes.assign(input.begin() + at, input.begin() + at + n);
    m.via = (header & 0x8000) ? Transport::kPage : Transport::kSocket;
    out.push_back(std::move(m));
    at += n;
  }
  return out;
}

std::vector<uint8_t> JoinMessages(const std::vector<Message>& messages) {
  std::vector<uint8_t> out;
  for (const Message& m : messages) {
    const size_t n = std::min(m.bytes.size(), kMaxRecordBytes);
    const size_t header = n | (m.via == Transport::kPage ? 0x8000 : 0);
    out.push_back(static_cast<uint8_t>(header));
    out.push_back(static_cast<uint8_t>(header >> 8));
    out.insert(out.end(), m.bytes.begin(), m.bytes.begin() + n);
  }
  return out;
}

// ---- generator ----

uint64_t Rng::Next() {  // splitmix64
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

namespace {

template <typename T, size_t N>
T Pick(Rng& rng, const T (&values)[N]) {
  return values[rng.Below(N)];
}

uint32_t AnyFd(Rng& rng) {
  // 0-2 stdio, 3 /ro, 4 /rw, 5.. children, then numbers that name nothing.
  static constexpr uint32_t kFds[] = {0, 1, 2, 3, 3, 4, 4, 4, 5, 5, 6, 7, 8, 4095, 4096,
                                      0x7fffffff, 0xffffffff};
  return rng.OneIn(16) ? static_cast<uint32_t>(rng.Next()) : Pick(rng, kFds);
}

uint32_t MemOffset(Rng& rng) {
  static constexpr uint32_t kOffsets[] = {0, 8, 100, 4096, kMemoryBytes - 8, kMemoryBytes - 1,
                                          kMemoryBytes, kMemoryBytes + 1, 0xfffffff0u,
                                          0xffffffffu};
  return rng.OneIn(3) ? static_cast<uint32_t>(rng.Below(kMemoryBytes)) : Pick(rng, kOffsets);
}

uint32_t MemLength(Rng& rng) {
  static constexpr uint32_t kLengths[] = {0, 1, 8, 100, 4096, kMemoryBytes, kMemoryBytes + 1,
                                          0x80000000u, 0xffffffffu};
  return rng.OneIn(3) ? static_cast<uint32_t>(rng.Below(512)) : Pick(rng, kLengths);
}

uint64_t AnyRights(Rng& rng) {
  static constexpr uint64_t kRights[] = {0, wasi::right::kAll, wasi::right::kFdRead,
                                         wasi::right::kFdRead | wasi::right::kFdSeek,
                                         1ull << 6 /* fd_write */, ~0ull, 1ull << 30};
  return rng.OneIn(4) ? rng.Next() & (rng.OneIn(2) ? wasi::right::kAll : ~0ull)
                      : Pick(rng, kRights);
}

std::string AnyPath(Rng& rng) {
  static const char* const kPaths[] = {
      "a", "d", "d/b", "out", "out/secret", "esc", ".", "..", "../outside/secret",
      "/etc/passwd", "d/../a", "a/", "missing", "d/b/c", "./a", "f", "sub", "sub/g", "new",
      "new/x", "newdir", "newdir/y", "up", "up/secret", "loop", "loop/x", "../rw/f",
      "sub/..", "sub/../../outside", "/proc/self/fd/0", "", "//", "sub/./g/", "f/.",
      "../../../../../../etc/shadow", "sub/../sub/../f",
  };
  switch (rng.Below(12)) {
    case 0: {  // random bytes, NULs included
      std::string s(rng.Below(24), '\0');
      for (char& c : s) c = static_cast<char>(rng.Next());
      return s;
    }
    case 1: {  // long: many components, up to the 4096-byte limit
      std::string s;
      const size_t parts = 1 + rng.Below(2100);
      for (size_t i = 0; i < parts && s.size() + 2 <= wire::kMaxTextBytes; ++i) {
        s += rng.OneIn(3) ? ".." : "d";
        s += '/';
      }
      return s;
    }
    case 2: return std::string(Pick(rng, kPaths)) + '\0' + "x";
    default: return Pick(rng, kPaths);
  }
}

template <typename Body>
std::vector<uint8_t> Build(Op op, const Body* body, std::span<const uint8_t> trailer) {
  const size_t body_size = body == nullptr ? 0 : sizeof(Body);
  std::vector<uint8_t> m(sizeof(wire::RequestHeader) + body_size + trailer.size());
  const wire::RequestHeader h{static_cast<uint32_t>(op), static_cast<uint32_t>(m.size())};
  std::memcpy(m.data(), &h, sizeof(h));
  if (body != nullptr) std::memcpy(m.data() + sizeof(h), body, sizeof(Body));
  if (!trailer.empty()) {
    std::memcpy(m.data() + sizeof(h) + body_size, trailer.data(), trailer.size());
  }
  return m;
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::vector<uint8_t> IoMessage(Rng& rng, Op op) {
  size_t count = rng.Below(4);
  if (rng.OneIn(8)) count = rng.Below(33);
  if (rng.OneIn(64)) count = wire::kMaxIoVecs;
  std::vector<uint8_t> iovs(count * sizeof(wasi::IoVec));
  for (size_t i = 0; i < count; ++i) {
    const wasi::IoVec v{MemOffset(rng), MemLength(rng)};
    std::memcpy(iovs.data() + i * sizeof(v), &v, sizeof(v));
  }
  wire::IoArgs a{AnyFd(rng), static_cast<uint32_t>(count), 0};
  if (op == Op::kFdPread || op == Op::kFdPwrite) {
    static constexpr uint64_t kOffsets[] = {0, 3, 4096, 1ull << 40, 0x7fffffffffffffffull,
                                            0x8000000000000000ull, ~0ull};
    a.offset = Pick(rng, kOffsets);
  }
  return Build(op, &a, iovs);
}

std::vector<uint8_t> PathMessage(Rng& rng, Op op) {
  const std::string path = AnyPath(rng);
  wire::PathArgs a{};
  a.fd = rng.OneIn(4) ? AnyFd(rng) : 3 + static_cast<uint32_t>(rng.Below(3));
  a.path_len = static_cast<uint32_t>(path.size());
  if (op == Op::kPathOpen || op == Op::kPathFilestatGet) {
    a.lookup_flags = rng.OneIn(8) ? static_cast<uint32_t>(rng.Next()) : rng.Below(2);
  }
  if (op == Op::kPathOpen) {
    a.rights_base = AnyRights(rng);
    a.rights_inheriting = AnyRights(rng);
    a.oflags = rng.OneIn(8) ? static_cast<uint16_t>(rng.Next()) : rng.Below(16);
    static constexpr uint16_t kFdFlags[] = {0, 0, 0, 1, 2, 4, 8, 16, 0x1f, 0xffff};
    a.fdflags = Pick(rng, kFdFlags);
  }
  return Build(op, &a, Bytes(path));
}

// fd_readdir: the broker writes the entries into guest memory [buf, +buf_len),
// so the buffer gets the iovec edge cases; cookies include the kernel's d_off
// range ends and values no directory has.
std::vector<uint8_t> ReaddirMessage(Rng& rng) {
  static constexpr uint64_t kCookies[] = {0, 1, 2, 3, 0x7fffffffffffffffull,
                                          0x8000000000000000ull, ~0ull};
  wire::ReaddirArgs a{};
  a.fd = rng.OneIn(4) ? AnyFd(rng) : 3 + static_cast<uint32_t>(rng.Below(3));
  a.buf = MemOffset(rng);
  a.buf_len = rng.OneIn(2) ? static_cast<uint32_t>(rng.Below(120)) : MemLength(rng);
  a.cookie = rng.OneIn(3) ? rng.Next() : Pick(rng, kCookies);
  return Build(Op::kFdReaddir, &a, {});
}

std::string AnyText(Rng& rng) {
  std::string s(rng.OneIn(16) ? wire::kMaxTextBytes : rng.Below(40), 'x');
  for (char& c : s) c = static_cast<char>(rng.Next());
  return s;
}

}  // namespace

namespace {

// Any op, shaped by its OpSpec alone (right body size and trailer count), for
// the ops this generator has no typed case for: body fields are an fd, then
// zeros or random bytes.
std::vector<uint8_t> ShapedMessage(Rng& rng, Op op) {
  const wire::OpSpec* spec = wire::FindOpSpec(static_cast<uint32_t>(op));
  if (spec == nullptr) return {};
  std::vector<uint8_t> body(spec->body_size, 0);
  if (rng.OneIn(3)) {
    for (auto& b : body) b = static_cast<uint8_t>(rng.OneIn(2) ? rng.Next() : 0);
  }
  if (body.size() >= 4) {
    const uint32_t fd = AnyFd(rng);
    std::memcpy(body.data(), &fd, 4);
  }
  std::vector<uint8_t> trailer;
  if (spec->trailer == wire::Trailer::kText) {
    const std::string path = AnyPath(rng);
    trailer.assign(path.begin(), path.end());
  } else if (spec->trailer == wire::Trailer::kIoVecs) {
    const size_t count = rng.Below(4);
    for (size_t i = 0; i < count; ++i) {
      const wasi::IoVec v{MemOffset(rng), MemLength(rng)};
      const auto* p = reinterpret_cast<const uint8_t*>(&v);
      trailer.insert(trailer.end(), p, p + sizeof(v));
    }
  }
  if (spec->trailer != wire::Trailer::kNone && spec->count_offset + 4 <= body.size()) {
    const auto count = static_cast<uint32_t>(
        spec->trailer == wire::Trailer::kText ? trailer.size() : trailer.size() / 8);
    std::memcpy(body.data() + spec->count_offset, &count, 4);
  }
  std::vector<uint8_t> m(sizeof(wire::RequestHeader) + body.size() + trailer.size());
  const wire::RequestHeader h{static_cast<uint32_t>(op), static_cast<uint32_t>(m.size())};
  std::memcpy(m.data(), &h, sizeof(h));
  if (!body.empty()) std::memcpy(m.data() + sizeof(h), body.data(), body.size());
  if (!trailer.empty()) std::memcpy(m.data() + sizeof(h) + body.size(), trailer.data(), trailer.size());
  return m;
}

}  // namespace

std::vector<uint8_t> ValidMessage(Rng& rng, bool allow_report) {
  // Ops after report_trap (readdir, renumber, links, poll, sockets, ...) are
  // built from their OpSpec; the session-ending reports only when allowed.
  auto op = static_cast<Op>(wire::kFirstOp + rng.Below(wire::kLastRequestOp));
  if (!allow_report && (op == Op::kReportExit || op == Op::kReportTrap)) op = Op::kSchedYield;
  if (op == Op::kRetired2) op = Op::kHello;  // a retired number is no valid message
  if (op == Op::kFdReaddir) return ReaddirMessage(rng);
  if (static_cast<uint32_t>(op) > static_cast<uint32_t>(Op::kReportTrap) || rng.OneIn(16)) {
    return ShapedMessage(rng, op);
  }
  switch (op) {
    case Op::kHello: case Op::kSchedYield:
      return Build<wire::FdArgs>(op, nullptr, {});
    case Op::kFdWrite: case Op::kFdRead: case Op::kFdPwrite: case Op::kFdPread:
      return IoMessage(rng, op);
    case Op::kFdSeek: {
      static constexpr int64_t kOffsets[] = {0, 1, -1, 5, 1 << 20, INT64_MAX, INT64_MIN};
      wire::SeekArgs a{};
      a.fd = AnyFd(rng);
      a.whence = rng.OneIn(8) ? static_cast<uint8_t>(rng.Next()) : rng.Below(3);
      a.offset = Pick(rng, kOffsets);
      return Build(op, &a, {});
    }
    case Op::kFdFdstatSetFlags: {
      static constexpr uint16_t kFlags[] = {0, 1, 4, 5, 2, 8, 16, 0x1f, 0xffff};
      const wire::SetFlagsArgs a{AnyFd(rng), Pick(rng, kFlags), 0};
      return Build(op, &a, {});
    }
    case Op::kPathOpen: case Op::kPathFilestatGet: case Op::kPathCreateDirectory:
    case Op::kPathRemoveDirectory: case Op::kPathUnlinkFile:
      return PathMessage(rng, op);
    case Op::kClockResGet: case Op::kClockTimeGet: {
      wire::ClockArgs a{};
      a.id = rng.OneIn(8) ? static_cast<uint32_t>(rng.Next()) : rng.Below(5);
      if (op == Op::kClockTimeGet) a.precision = rng.Next();
      return Build(op, &a, {});
    }
    case Op::kRandomGet: {
      const wire::RangeArgs a{MemOffset(rng), MemLength(rng)};
      return Build(op, &a, {});
    }
    case Op::kUnsupported: case Op::kReportTrap: {
      const std::string text = AnyText(rng);
      const wire::TextArgs a{static_cast<uint32_t>(text.size()), 0};
      return Build(op, &a, Bytes(text));
    }
    case Op::kReportExit: {
      const wire::ExitArgs a{static_cast<uint32_t>(rng.Next()), 0};
      return Build(op, &a, {});
    }
    default: {  // fd_close, fd_tell, fd_fdstat_get, prestat, filestat, sync
      const wire::FdArgs a{AnyFd(rng), 0};
      return Build(op, &a, {});
    }
  }
}

std::vector<uint8_t> NearMissMessage(Rng& rng) {
  std::vector<uint8_t> m = ValidMessage(rng, /*allow_report=*/false);
  switch (rng.Below(5)) {
    case 0: m[rng.Below(m.size())] ^= static_cast<uint8_t>(1 + rng.Below(255)); break;
    case 1: {  // a length field that lies
      const uint32_t len = static_cast<uint32_t>(m.size() + rng.Below(9)) - 4;
      std::memcpy(m.data() + 4, &len, 4);
      break;
    }
    case 2: m.resize(rng.Below(m.size())); break;
    case 3: m.resize(m.size() + 1 + rng.Below(16), static_cast<uint8_t>(rng.Next())); break;
    default:  // a body byte changed and the length kept right
      if (m.size() > sizeof(wire::RequestHeader)) {
        m[sizeof(wire::RequestHeader) + rng.Below(m.size() - sizeof(wire::RequestHeader))] =
            static_cast<uint8_t>(rng.Next());
      }
      break;
  }
  return m;
}

// ---- the environment ----

size_t CountOpenFds() {
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return 0;
  size_t n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n - 1;  // the directory stream's own fd
}

BrokerFuzzEnv::BrokerFuzzEnv() {
  spdlog::set_level(spdlog::level::off);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);
  rlimit fsize{kMaxFileBytes, kMaxFileBytes};
  setrlimit(RLIMIT_FSIZE, &fsize);

  // tmpfs when there is one: fd_sync is then free and the fuzzer stays fast.
  std::error_code ec;
  const fs::path base = access("/dev/shm", W_OK) == 0 ? fs::path("/dev/shm")
                                                      : fs::temp_directory_path(ec);
  std::string tmpl = (base / "capsa-bfuzz-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  root_ = tmpl;
  fs::create_directories(root_ + "/ro/d");
  fs::create_directories(root_ + "/rw");
  fs::create_directories(root_ + "/outside");
  WriteFile(root_ + "/ro/a", "read-only file\n");
  WriteFile(root_ + "/ro/d/b", "nested\n");
  fs::create_directory_symlink("../outside", root_ + "/ro/out");
  fs::create_symlink(root_ + "/outside/secret", root_ + "/ro/esc");
  WriteFile(root_ + "/outside/secret", "top secret\n");
  WriteFile(root_ + "/top_sentinel", "sentinel\n");
  ResetReadWrite();
  baseline_ = Snapshot();

  memfd_ = memfd_create("capsa-bfuzz-memory", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (memfd_ < 0 || ftruncate(memfd_, kMemoryBytes) != 0 ||
      fcntl(memfd_, F_ADD_SEALS, F_SEAL_SHRINK) != 0) {
    throw std::runtime_error("memfd setup failed");
  }
  devnull_ = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull_ < 0) throw std::runtime_error("cannot open /dev/null");
  Result<UniqueFd> control_fd = CreateControlMemfd();
  if (!control_fd.ok()) throw std::runtime_error(control_fd.error().message);
  control_fd_ = std::move(control_fd.value());
  Result<ControlMapping> control = ControlMapping::Map(control_fd_.get());
  if (!control.ok()) throw std::runtime_error(control.error().message);
  control_ = std::move(control.value());
}

BrokerFuzzEnv::~BrokerFuzzEnv() {
  close(memfd_);
  close(devnull_);
  std::error_code ec;
  fs::remove_all(root_, ec);
}

void BrokerFuzzEnv::ResetReadWrite() const {
  const std::string rw = root_ + "/rw";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(rw, ec)) fs::remove_all(entry.path(), ec);
  WriteFile(rw + "/f", "0123456789");
  fs::create_directory(rw + "/sub", ec);
  WriteFile(rw + "/sub/g", "g\n");
  fs::create_directory_symlink("../outside", rw + "/up", ec);
  fs::create_symlink("loop", rw + "/loop", ec);
}

// type, size, mtime and content of every entry below root except rw/.
std::map<std::string, std::string> BrokerFuzzEnv::Snapshot() const {
  std::map<std::string, std::string> snap;
  std::error_code ec;
  auto describe = [&](const std::string& path) {
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) return std::string("<missing>");
    std::string d = std::to_string(st.st_mode) + ":" + std::to_string(st.st_size) + ":" +
                    std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
    if (S_ISREG(st.st_mode)) d += ":" + ReadSmallFile(path);
    return d;
  };
  snap["."] = describe(root_);
  for (auto it = fs::recursive_directory_iterator(root_, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string rel = it->path().string().substr(root_.size() + 1);
    if (rel == "rw") {
      it.disable_recursion_pending();
      continue;
    }
    snap[rel] = describe(it->path().string());
  }
  return snap;
}

RunReport BrokerFuzzEnv::Run(const std::vector<Message>& messages) {
  RunReport report;
  auto fail = [&](std::string what) { report.failures.push_back(std::move(what)); };
  ResetReadWrite();
  ControlPage* const page = control_.page();
  std::memset(page, 0, sizeof(ControlPage));  // a fresh page: both sequence words 0
  const size_t fds_before = CountOpenFds();

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    fail(std::string("socketpair: ") + strerror(errno));
    return report;
  }
  const int worker = sv[0];
  const int broker_end = sv[1];
  BrokerConfig config;
  config.socket_fd = sv[1];
  config.memfd = memfd_;
  config.control_fd = control_fd_.get();
  config.stdin_fd = config.stdout_fd = config.stderr_fd = devnull_;
  // One preopen as O_PATH (as the tests do), one as O_RDONLY (as a launcher may).
  config.preopens.push_back(Preopen::Directory(
      open((root_ + "/ro").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC), "/ro", root_ + "/ro",
      DirRights::ReadOnly()));
  config.preopens.push_back(Preopen::Directory(
      open((root_ + "/rw").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC), "/rw", root_ + "/rw",
      DirRights::ReadWrite()));
  // Over one chunk, so hello sends two.
  config.args = {"prog", "--flag", std::string(wire::kChunkBytes + 100, 'a')};
  config.env = {"A=1"};
  CountingSink sink;
  config.events = &sink;
  // Both path resolvers, chosen by the input so that a replay is exact.
  uint8_t parity = 0;
  for (const Message& m : messages) {
    for (uint8_t b : m.bytes) parity ^= b;
  }
  config.resolver = (parity & 1) ? ResolverKind::kWalk : ResolverKind::kOpenat2;

  std::atomic<bool> done{false};
  WorkerOutcome outcome;
  std::thread broker([&] {
    outcome = RunBroker(std::move(config));
    done.store(true, std::memory_order_release);
    // RunBroker leaves the socket open; hanging up wakes the worker's poll.
    shutdown(broker_end, SHUT_RDWR);
  });

  // The worker side: read every reply, refuse ancillary data, check framing.
  static std::array<uint8_t, wire::kChunkBytes + 1024> reply;
  // Returns false once the broker has hung up (end of file).
  auto drain = [&](int timeout_ms) {
    pollfd p{worker, POLLIN, 0};
    while (poll(&p, 1, timeout_ms) > 0 && (p.revents & (POLLIN | POLLHUP))) {
      timeout_ms = 0;
      iovec part{reply.data(), reply.size()};
      alignas(cmsghdr) char control[CMSG_SPACE(8 * sizeof(int))];
      msghdr msg{};
      msg.msg_iov = &part;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      const ssize_t n = recvmsg(worker, &msg, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
      if (n == 0) return false;
      if (n < 0) return true;
      ++report.replies;
      if (msg.msg_controllen != 0 || (msg.msg_flags & MSG_CTRUNC)) {
        fail("the worker received ancillary data (a descriptor?) from the broker");
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
          if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
          const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
          for (size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            close(fd);
          }
        }
      }
      uint32_t op = 0, length = 0;
      if (n >= 8) {
        std::memcpy(&op, reply.data(), 4);
        std::memcpy(&length, reply.data() + 4, 4);
      }
      if ((msg.msg_flags & MSG_TRUNC) || n < 8 || length != static_cast<size_t>(n) ||
          op < wire::kFirstOp || op > static_cast<uint32_t>(Op::kChunk)) {
        fail("malformed reply: " + std::to_string(n) + " bytes, op " + std::to_string(op) +
             ", length " + std::to_string(length));
      }
    }
    return true;
  };

  const auto hang_deadline = [] { return std::chrono::steady_clock::now() + kHangLimit; };

  // A broker asleep on the page looks at the socket when woken there, as a
  // worker's WakeBroker does after each socket send (else only every 20 ms).
  auto wake = [&] { syscall(SYS_futex, &page->req_seq, FUTEX_WAKE, 1, nullptr, nullptr, 0); };

  // The page transport: the request is written and published as a worker's
  // mailbox call is, then the worker waits for rep_seq to reach its number
  // (checking the reply's framing) or for the broker to end. Returns false
  // when no reply came within kHangLimit (a call may legitimately block, as
  // a long poll_oneoff does): the worker then stops sending and hangs up.
  uint32_t seq = 0;
  auto post = [&](const Message& m) {
    const size_t n = std::min(m.bytes.size(), kRequestAreaBytes);
    if (n != 0) std::memcpy(page->request, m.bytes.data(), n);  // data() may be null
    seq += m.bytes.empty() ? 2 : 1;
    std::atomic_ref<uint32_t>(page->req_seq).store(seq, std::memory_order_release);
    wake();
    ++report.messages_sent;
    const auto deadline = hang_deadline();
    for (int polls = 0;
         std::atomic_ref<uint32_t>(page->rep_seq).load(std::memory_order_acquire) != seq;
         ++polls) {
      if (done.load(std::memory_order_acquire)) return true;
      if (std::chrono::steady_clock::now() > deadline) return false;
      // Most calls are served within microseconds; a blocking one is waited
      // for in 1 ms polls of the socket (which also keep it drained).
      if (polls < 1000) {
        drain(0);
        sched_yield();
      } else {
        drain(1);
      }
    }
    ++report.replies;
    ++report.page_replies;
    wire::ReplyHeader header;
    std::memcpy(&header, page->reply, sizeof(header));
    if (header.length < sizeof(header) || header.length > kReplyAreaBytes ||
        header.op < wire::kFirstOp || header.op > static_cast<uint32_t>(Op::kChunk)) {
      fail("malformed reply on the page: op " + std::to_string(header.op) + ", length " +
           std::to_string(header.length));
    }
    return true;
  };

  bool hung = false;
  for (const Message& m : messages) {
    if (done.load(std::memory_order_acquire)) break;
    if (m.via == Transport::kPage) {
      drain(0);
      if (!post(m)) break;
      continue;
    }
    const auto deadline = hang_deadline();
    for (;;) {
      drain(0);
      if (send(worker, m.bytes.data(), m.bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
        ++report.messages_sent;
        wake();
        break;
      }
      // EMSGSIZE etc.: the kernel refused this one; the broker never sees it.
      if (errno != EAGAIN && errno != ENOBUFS) break;
      if (done.load(std::memory_order_acquire)) break;
      if (std::chrono::steady_clock::now() > deadline) {
        hung = true;
        break;
      }
      if (!drain(5)) break;
    }
    if (hung) break;
  }
  shutdown(worker, SHUT_WR);
  wake();
  const auto deadline = hang_deadline();
  while (!hung && drain(100)) {
    if (std::chrono::steady_clock::now() > deadline) hung = true;
  }
  if (hung) {
    // A blocked broker thread cannot be joined or cancelled safely: stop here
    // so the fuzzer records the input (and ctest fails loudly).
    fprintf(stderr, "capsa broker fuzz: the broker did not return within %lld s\n",
            static_cast<long long>(kHangLimit.count()));
    abort();
  }
  broker.join();
  drain(0);
  close(worker);
  close(sv[1]);
  report.outcome = OutcomeName(outcome.kind);

  if (outcome.kind == WorkerOutcome::Kind::kProtocolViolation) {
    if (sink.violations != 1) {
      fail("protocol violation reported " + std::to_string(sink.violations) + " times");
    }
    if (outcome.message.empty()) fail("protocol violation without a message");
  } else if (sink.violations != 0) {
    fail("a violation was reported but the outcome is " + report.outcome);
  }
  if (const size_t after = CountOpenFds(); after != fds_before) {
    fail("descriptor leak: " + std::to_string(fds_before) + " open before, " +
         std::to_string(after) + " after");
  }
  const auto now = Snapshot();
  if (now != baseline_) {
    for (const auto& [path, desc] : now) {
      auto it = baseline_.find(path);
      if (it == baseline_.end()) fail("created outside rw/: " + path);
      else if (it->second != desc) fail("changed outside rw/: " + path);
    }
    for (const auto& [path, desc] : baseline_) {
      if (!now.contains(path)) fail("removed outside rw/: " + path);
    }
  }
  return report;
}

}  // namespace capsa::caps::fuzz
