// The control-page mailbox (caps/mailbox.h) under a hostile worker: bad
// lengths, sequence games, socket-only ops sent through the page, a dead
// peer on either side, and a thread scribbling on the request area while the
// broker serves. Each attack ends the session as kProtocolViolation (once,
// reported to the sink) or is served as some valid call; the process never
// crashes and no reply is published for a refused request.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "caps/broker.h"
#include "caps/broker_client.h"
#include "caps/control_page.h"
#include "caps/mailbox.h"
#include "caps/protocol.h"
#include "tests/caps/broker_harness.h"

namespace capsa::caps {
namespace {

using testing::BrokerHarness;
using testing::RecordingSink;
using wasi::Errno;
using Clock = std::chrono::steady_clock;

uint32_t Load(uint32_t& word) {
  return std::atomic_ref<uint32_t>(word).load(std::memory_order_acquire);
}

template <typename Body>
std::vector<uint8_t> Message(wire::Op op, const Body& body, const std::vector<uint8_t>& tail = {}) {
  const wire::RequestHeader header{static_cast<uint32_t>(op),
                                   static_cast<uint32_t>(8 + sizeof(Body) + tail.size())};
  std::vector<uint8_t> m(header.length);
  std::memcpy(m.data(), &header, 8);
  std::memcpy(m.data() + 8, &body, sizeof(Body));
  if (!tail.empty()) std::memcpy(m.data() + 8 + sizeof(Body), tail.data(), tail.size());
  return m;
}

std::vector<uint8_t> ClockRequest() {
  return Message(wire::Op::kClockTimeGet, wire::ClockArgs{1, 0, 0});  // monotonic
}

// A real RunBroker on a thread, fed by hand through a real control page: the
// test plays a worker that writes whatever it likes into the page.
class PageBroker {
 public:
  static constexpr uint64_t kMemoryBytes = 1 << 16;

  PageBroker() {
    int sv[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    worker_fd_ = sv[0];
    broker_fd_ = sv[1];
    EXPECT_EQ(pipe2(out_, O_CLOEXEC | O_NONBLOCK), 0);
    fcntl(out_[0], F_SETPIPE_SZ, 1 << 20);
    memfd_ = memfd_create("mailbox-test-memory", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    EXPECT_EQ(ftruncate(memfd_, kMemoryBytes), 0);
    EXPECT_EQ(fcntl(memfd_, F_ADD_SEALS, F_SEAL_SHRINK), 0);
    memory_ = static_cast<uint8_t*>(
        mmap(nullptr, kMemoryBytes, PROT_READ | PROT_WRITE, MAP_SHARED, memfd_, 0));
    Result<UniqueFd> control = CreateControlMemfd();
    EXPECT_TRUE(control.ok());
    control_fd_ = std::move(control).value();
    Result<ControlMapping> mapped = ControlMapping::Map(control_fd_.get());
    EXPECT_TRUE(mapped.ok());
    mapping_ = std::move(mapped).value();

    BrokerConfig config;
    config.socket_fd = broker_fd_;
    config.memfd = memfd_;
    config.control_fd = control_fd_.get();
    config.stdin_fd = -1;
    config.stdout_fd = out_[1];
    config.stderr_fd = out_[1];
    config.events = &sink_;
    thread_ = std::thread([this, config = std::move(config)]() mutable {
      outcome_ = RunBroker(std::move(config));
      done_.store(true);
    });
  }
  ~PageBroker() {
    if (thread_.joinable()) Kill();
    for (int fd : {worker_fd_, broker_fd_, memfd_, out_[0], out_[1]}) close(fd);
    munmap(memory_, kMemoryBytes);
  }

  ControlPage* page() { return mapping_.page(); }
  uint8_t* memory() { return memory_; }
  RecordingSink& sink() { return sink_; }
  int worker_socket() const { return worker_fd_; }
  int out_read_end() const { return out_[0]; }
  bool done() const { return done_.load(); }

  // Copies `message` into the request area and publishes sequence `seq`.
  void PostRaw(const std::vector<uint8_t>& message, uint32_t seq) {
    std::memcpy(page()->request, message.data(), message.size());
    Publish(seq);
  }
  void Publish(uint32_t seq) {
    std::atomic_ref<uint32_t>(page()->req_seq).store(seq, std::memory_order_seq_cst);
    syscall(SYS_futex, &page()->req_seq, FUTEX_WAKE, 1, nullptr, nullptr, 0);
  }
  // Posts as the next request and waits for its reply (or the session's end).
  bool Call(const std::vector<uint8_t>& message,
            std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    PostRaw(message, ++seq_);
    return AwaitReply(seq_, limit);
  }
  bool AwaitReply(uint32_t seq, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      if (Load(page()->rep_seq) == seq) return true;
      if (done()) return Load(page()->rep_seq) == seq;
      std::this_thread::yield();
    }
    return false;
  }
  wire::ReplyHeader ReplyHeader() {
    wire::ReplyHeader h;
    std::memcpy(&h, page()->reply, sizeof(h));
    return h;
  }
  template <typename T>
  T ReplyAs() {
    T v;
    std::memcpy(&v, page()->reply + sizeof(wire::ReplyHeader), sizeof(T));
    return v;
  }
  uint32_t seq() const { return seq_; }

  // Waits for the broker to end the session by itself.
  WorkerOutcome Join() {
    thread_.join();
    return *outcome_;
  }
  // The worker "dies": its socket end closes.
  WorkerOutcome Kill() {
    shutdown(worker_fd_, SHUT_RDWR);
    return Join();
  }

 private:
  int worker_fd_ = -1, broker_fd_ = -1, memfd_ = -1;
  int out_[2] = {-1, -1};
  uint8_t* memory_ = nullptr;
  UniqueFd control_fd_;
  ControlMapping mapping_;
  RecordingSink sink_;
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::optional<WorkerOutcome> outcome_;
  uint32_t seq_ = 0;
};

void ExpectViolationAndNoReply(PageBroker& b, uint32_t rep_seq_before, const char* what) {
  const WorkerOutcome out = b.Join();
  EXPECT_EQ(out.kind, WorkerOutcome::Kind::kProtocolViolation) << what << ": " << out.message;
  ASSERT_EQ(b.sink().violations().size(), 1u) << what;
  EXPECT_EQ(b.sink().violations()[0], out.message) << what;
  EXPECT_EQ(Load(b.page()->rep_seq), rep_seq_before) << what << ": a refused request was answered";
}

TEST(Mailbox, ServesCallsThroughThePage) {
  PageBroker b;
  ASSERT_TRUE(b.Call(ClockRequest()));
  wire::ReplyHeader h = b.ReplyHeader();
  EXPECT_EQ(h.op, static_cast<uint32_t>(wire::Op::kClockTimeGet));
  EXPECT_EQ(h.length, sizeof(wire::ReplyHeader) + sizeof(wire::U64Result));
  EXPECT_EQ(h.error, 0);
  EXPECT_GT(b.ReplyAs<wire::U64Result>().value, 0u);

  // fd_write: the bytes are in the pipe before the reply is published.
  std::memcpy(b.memory() + 0x100, "hello page", 10);
  const wasi::IoVec iov{0x100, 10};
  std::vector<uint8_t> iov_bytes(sizeof(iov));
  std::memcpy(iov_bytes.data(), &iov, sizeof(iov));
  ASSERT_TRUE(b.Call(Message(wire::Op::kFdWrite, wire::IoArgs{1, 1, 0}, iov_bytes)));
  h = b.ReplyHeader();
  EXPECT_EQ(h.op, static_cast<uint32_t>(wire::Op::kFdWrite));
  EXPECT_EQ(h.error, 0);
  EXPECT_EQ(b.ReplyAs<wire::SizeResult>().size, 10u);
  char got[16] = {};
  EXPECT_EQ(read(b.out_read_end(), got, sizeof got), 10);
  EXPECT_EQ(std::string(got, 10), "hello page");
  EXPECT_TRUE(b.sink().violations().empty());

  // The session still ends on a socket report, after page traffic.
  const std::vector<uint8_t> exit = Message(wire::Op::kReportExit, wire::ExitArgs{7, 0});
  ASSERT_EQ(send(b.worker_socket(), exit.data(), exit.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(exit.size()));
  const WorkerOutcome out = b.Join();
  EXPECT_EQ(out.kind, WorkerOutcome::Kind::kExit);
  EXPECT_EQ(out.exit_code, 7u);
}

TEST(Mailbox, BadLengthsAreViolations) {
  struct Case {
    uint32_t length;
    const char* what;
  };
  const Case cases[] = {
      {0, "zero length"},
      {4, "shorter than a header"},
      {7, "one byte short of a header"},
      {static_cast<uint32_t>(wire::kMaxRequestBytes + 1), "one byte over the largest request"},
      {static_cast<uint32_t>(kRequestAreaBytes + 1), "past the request area"},
      {static_cast<uint32_t>(kControlPageBytes), "the whole page"},
      {0x7fffffffu, "huge"},
      {0xffffffffu, "all ones"},
  };
  for (const Case& c : cases) {
    PageBroker b;
    ASSERT_TRUE(b.Call(ClockRequest())) << c.what;  // a good call first: the session is live
    std::vector<uint8_t> m = ClockRequest();
    std::memcpy(m.data() + 4, &c.length, 4);
    b.PostRaw(m, b.seq() + 1);
    ExpectViolationAndNoReply(b, b.seq(), c.what);
    EXPECT_NE(b.sink().violations()[0].find("length"), std::string::npos) << c.what;
  }
}

TEST(Mailbox, LengthDisagreeingWithTheBodyIsAViolation) {
  // Within the area, but not the op's size: ParseRequest refuses the copy.
  PageBroker b;
  std::vector<uint8_t> m = ClockRequest();
  const uint32_t longer = static_cast<uint32_t>(m.size() + 8);
  std::memcpy(m.data() + 4, &longer, 4);
  m.resize(longer, 0);
  b.PostRaw(m, 1);
  ExpectViolationAndNoReply(b, 0, "length 8 bytes past the body");
}

TEST(Mailbox, SequenceGamesAreViolations) {
  struct Case {
    uint32_t delta;  // added to the last served number
    const char* what;
  };
  const Case cases[] = {{2, "skips a number"},
                        {0xffffffffu, "goes back by one"},
                        {0x80000000u, "jumps half the space"}};
  for (const Case& c : cases) {
    PageBroker b;
    ASSERT_TRUE(b.Call(ClockRequest())) << c.what;
    ASSERT_TRUE(b.Call(ClockRequest())) << c.what;
    b.PostRaw(ClockRequest(), b.seq() + c.delta);
    ExpectViolationAndNoReply(b, b.seq(), c.what);
    EXPECT_NE(b.sink().violations()[0].find("sequence"), std::string::npos) << c.what;
  }
}

TEST(Mailbox, SequenceWrapsAround) {
  // "The next number" is mod 2^32: a long run wraps without a violation.
  Result<UniqueFd> control = CreateControlMemfd();
  ASSERT_TRUE(control.ok());
  Result<ControlMapping> mapped = ControlMapping::Map(control.value().get());
  ASSERT_TRUE(mapped.ok());
  ControlPage* page = mapped.value().page();
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  BrokerMailbox mailbox(page, 0xfffffffeu);
  for (uint32_t seq : {0xffffffffu, 0u, 1u}) {
    page->req_seq = seq;
    Result<BrokerMailbox::Event> event = mailbox.Wait(sv[1], 0);
    ASSERT_TRUE(event.ok()) << seq << ": " << event.error().message;
    EXPECT_EQ(event.value(), BrokerMailbox::Event::kRequest) << seq;
  }
  page->req_seq = 3;  // skips 2
  EXPECT_FALSE(mailbox.Wait(sv[1], 0).ok());
  close(sv[0]);
  close(sv[1]);
}

TEST(Mailbox, HelloThroughThePageIsAViolation) {
  PageBroker b;
  const wire::RequestHeader hello{static_cast<uint32_t>(wire::Op::kHello), 8};
  std::vector<uint8_t> m(8);
  std::memcpy(m.data(), &hello, 8);
  b.PostRaw(m, 1);
  ExpectViolationAndNoReply(b, 0, "hello through the page");
}

TEST(Mailbox, MalformedBodyThroughThePageIsAViolation) {
  PageBroker b;
  // Unknown op, and a padding byte set: both refused by the same parser as the socket.
  std::vector<uint8_t> m = ClockRequest();
  const uint32_t op = 0x7fff;
  std::memcpy(m.data(), &op, 4);
  b.PostRaw(m, 1);
  ExpectViolationAndNoReply(b, 0, "unknown op");

  PageBroker c;
  std::vector<uint8_t> pad = Message(wire::Op::kClockTimeGet, wire::ClockArgs{1, 1, 0});
  c.PostRaw(pad, 1);
  ExpectViolationAndNoReply(c, 0, "non-zero padding");
}

TEST(Mailbox, BrokerNoticesADeadWorkerWhileSleeping) {
  PageBroker b;
  ASSERT_TRUE(b.Call(ClockRequest()));
  // Let the broker finish spinning and go to sleep on the futex.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(Load(b.page()->broker_sleeping), 1u);
  const auto start = Clock::now();
  const WorkerOutcome out = b.Kill();
  EXPECT_EQ(out.kind, WorkerOutcome::Kind::kDisconnected);
  // Within a few futex timeouts, not forever.
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  EXPECT_TRUE(b.sink().violations().empty());
}

// A sleeping broker is woken by the futex, not found by its 20 ms timeout:
// with the wake broken every call below would wait ~18 ms. The minimum over
// five tries keeps one slow scheduling on a loaded machine from failing it.
TEST(Mailbox, SleepingBrokerWakesForTheNextRequest) {
  PageBroker b;
  auto fastest = [&](auto call) {
    auto best = std::chrono::milliseconds(1000);
    for (int i = 0; i < 5; ++i) {
      // Past the spin window: the broker has gone to sleep on the page (on a
      // loaded machine its thread may take longer than the window to get there).
      const auto give_up = Clock::now() + std::chrono::seconds(2);
      do {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      } while (Load(b.page()->broker_sleeping) != 1 && Clock::now() < give_up);
      EXPECT_EQ(Load(b.page()->broker_sleeping), 1u);
      const auto start = Clock::now();
      call();
      best = std::min(best, std::chrono::duration_cast<std::chrono::milliseconds>(
                                Clock::now() - start));
    }
    return best;
  };
  // Through the page: Post's FUTEX_WAKE.
  EXPECT_LT(fastest([&] { ASSERT_TRUE(b.Call(ClockRequest())); }),
            std::chrono::milliseconds(10));
  // On the socket (as Hello and the reports travel): the sender's wake makes
  // the broker look at the socket at once (WorkerMailbox::WakeBroker).
  EXPECT_LT(fastest([&] {
              const std::vector<uint8_t> m = ClockRequest();
              ASSERT_EQ(send(b.worker_socket(), m.data(), m.size(), MSG_NOSIGNAL),
                        static_cast<ssize_t>(m.size()));
              syscall(SYS_futex, &b.page()->req_seq, FUTEX_WAKE, 1, nullptr, nullptr, 0);
              uint8_t reply[64];
              ASSERT_EQ(recv(b.worker_socket(), reply, sizeof reply, 0),
                        static_cast<ssize_t>(sizeof(wire::ReplyHeader) + 8));
            }),
            std::chrono::milliseconds(10));
  EXPECT_TRUE(b.sink().violations().empty());
}

TEST(Mailbox, UnusableControlPageEndsTheSession) {
  struct Case {
    uint64_t size;
    int seals;
    const char* what;
  };
  const Case cases[] = {{kControlPageBytes, 0, "not sealed"},
                        {kControlPageBytes / 2, F_SEAL_SHRINK, "too small"},
                        {kControlPageBytes * 2, F_SEAL_SHRINK, "too large"}};
  for (const Case& c : cases) {
    const int fd = memfd_create("bad-control", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, static_cast<off_t>(c.size)), 0);
    if (c.seals != 0) {
      ASSERT_EQ(fcntl(fd, F_ADD_SEALS, c.seals), 0);
    }
    int sv[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    BrokerConfig config;
    config.socket_fd = sv[1];
    config.control_fd = fd;
    config.stdin_fd = config.stdout_fd = config.stderr_fd = -1;
    const WorkerOutcome out = RunBroker(std::move(config));
    EXPECT_EQ(out.kind, WorkerOutcome::Kind::kDisconnected) << c.what;
    EXPECT_NE(out.message.find("control page"), std::string::npos) << c.what << out.message;
    for (int f : {fd, sv[0], sv[1]}) close(f);
  }
}

TEST(Mailbox, ClientBreaksWhenTheBrokerDies) {
  // The worker side: a page nobody answers and a socket whose peer closes.
  Result<UniqueFd> control = CreateControlMemfd();
  ASSERT_TRUE(control.ok());
  Result<ControlMapping> mapped = ControlMapping::Map(control.value().get());
  ASSERT_TRUE(mapped.ok());
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  BrokerClient client(sv[0], mapped.value().page());
  std::thread broker_dies([fd = sv[1]] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    close(fd);
  });
  const auto start = Clock::now();
  wasi::Timestamp t = 0;
  EXPECT_EQ(client.ClockTimeGet(wasi::ClockId::kMonotonic, 0, &t), Errno::kIo);
  EXPECT_EQ(client.state(), BrokerClient::ChannelState::kBroken);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  // The request did go to the page, not the socket.
  EXPECT_EQ(Load(mapped.value().page()->req_seq), 1u);
  broker_dies.join();
  close(sv[0]);
}

TEST(Mailbox, HarnessClientUsesThePage) {
  BrokerHarness h;
  ASSERT_EQ(h.client().Hello().ok(), true);
  EXPECT_EQ(Load(h.control_page()->req_seq), 0u) << "Hello must travel on the socket";
  wasi::Fd fd = 0;
  ASSERT_EQ(h.Open(3, "f.txt", wasi::oflag::kCreat, wasi::right::kAll, &fd), Errno::kSuccess);
  ASSERT_EQ(h.Write(fd, "abc"), Errno::kSuccess);
  wasi::FdStat st{};
  ASSERT_EQ(h.client().FdFdstatGet(fd, &st), Errno::kSuccess);
  wasi::FileSize pos = 0;
  ASSERT_EQ(h.client().FdSeek(fd, 0, wasi::Whence::kSet, &pos), Errno::kSuccess);
  wasi::Timestamp t = 0;
  ASSERT_EQ(h.client().ClockTimeGet(wasi::ClockId::kMonotonic, 0, &t), Errno::kSuccess);
  ASSERT_EQ(h.client().FdClose(fd), Errno::kSuccess);
  // path_open, fd_write, fd_fdstat_get, fd_seek, clock_time_get, fd_close.
  EXPECT_EQ(Load(h.control_page()->req_seq), 6u);
  EXPECT_EQ(Load(h.control_page()->rep_seq), 6u);
  EXPECT_EQ(h.tree().ReadFile("sandbox/f.txt"), "abc");
  const WorkerOutcome out = h.Finish(3);
  EXPECT_EQ(out.kind, WorkerOutcome::Kind::kExit);
  EXPECT_EQ(out.exit_code, 3u);
}

// A thread flips bytes of the request area (header, body and iovecs) as fast
// as it can while valid fd_write and clock calls are posted. Every published
// reply must be well formed for some op; every session ends as exactly one
// protocol violation, or without any (a flip may forge a valid report, or
// a poll_oneoff that blocks until we hang up). Runs until enough calls have
// been attempted, restarting the broker after each session.
TEST(Mailbox, ScribblerDuringServiceNeverCrashesTheBroker) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(1500);
  size_t calls = 0, replies = 0, sessions = 0, violations = 0;
  while (Clock::now() < deadline || sessions == 0) {
    ++sessions;
    PageBroker b;
    std::atomic<bool> stop{false};
    std::thread scribbler([&stop, page = b.page(), seed = sessions] {
      std::mt19937 rng(static_cast<uint32_t>(seed));
      while (!stop.load(std::memory_order_relaxed)) {
        const size_t at = rng() % 64;  // header, body and the first iovecs
        std::atomic_ref<uint8_t>(page->request[at]).store(static_cast<uint8_t>(rng()),
                                                           std::memory_order_relaxed);
        if (rng() % 4 == 0) std::this_thread::yield();
      }
    });
    std::memcpy(b.memory() + 0x200, "0123456789abcdef", 16);
    const wasi::IoVec iov{0x200, 16};
    std::vector<uint8_t> iov_bytes(sizeof(iov));
    std::memcpy(iov_bytes.data(), &iov, sizeof(iov));
    const std::vector<uint8_t> write =
        Message(wire::Op::kFdWrite, wire::IoArgs{1, 1, 0}, iov_bytes);
    for (int i = 0; i < 2000 && !b.done(); ++i) {
      ++calls;
      if (!b.Call(i % 2 ? write : ClockRequest(), std::chrono::milliseconds(300))) break;
      ++replies;
      const wire::ReplyHeader h = b.ReplyHeader();
      const wire::OpSpec* spec = wire::FindOpSpec(h.op);
      ASSERT_NE(spec, nullptr) << "reply for op " << h.op;
      EXPECT_GE(h.length, sizeof(wire::ReplyHeader) + spec->result_size);
      EXPECT_LE(h.length, kReplyAreaBytes);
      EXPECT_LE(h.error, static_cast<uint16_t>(Errno::kNotcapable));
      char drain[4096];
      while (read(b.out_read_end(), drain, sizeof drain) > 0) {
      }
    }
    stop.store(true);
    scribbler.join();
    const WorkerOutcome out = b.done() ? b.Join() : b.Kill();
    if (out.kind == WorkerOutcome::Kind::kProtocolViolation) {
      ++violations;
      ASSERT_EQ(b.sink().violations().size(), 1u);
      EXPECT_EQ(b.sink().violations()[0], out.message);
    } else {
      EXPECT_TRUE(out.kind == WorkerOutcome::Kind::kDisconnected ||
                  out.kind == WorkerOutcome::Kind::kExit || out.kind == WorkerOutcome::Kind::kTrap)
          << static_cast<int>(out.kind) << " " << out.message;
      EXPECT_TRUE(b.sink().violations().empty());
    }
  }
  EXPECT_GT(calls, 0u);
  EXPECT_GT(replies, 0u);
  EXPECT_GT(violations, 0u) << "the scribbler never broke a request: the test attacks nothing";
  RecordProperty("sessions", static_cast<int>(sessions));
  RecordProperty("violations", static_cast<int>(violations));
}

}  // namespace
}  // namespace capsa::caps
