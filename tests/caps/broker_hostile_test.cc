// A hostile worker: garbage, truncated and oversized messages, unknown ops,
// counts over the limits, descriptors passed in, and guest-memory ranges
// outside the memfd. Each malformed message ends RunBroker with
// kProtocolViolation (reported to the sink) and this process stays alive;
// bad ranges answer EFAULT.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <random>

#include "caps/protocol.h"
#include "tests/caps/broker_harness.h"

namespace capsa::caps {
namespace {

using testing::BrokerHarness;
using testing::RecordingSink;
using testing::RunBrokerOn;
using wasi::Errno;
namespace r = wasi::right;

class SocketPair {
 public:
  SocketPair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds_), 0); }
  ~SocketPair() {
    close(fds_[0]);
    close(fds_[1]);
  }
  int worker() const { return fds_[0]; }
  int broker() const { return fds_[1]; }
  void Send(const std::vector<uint8_t>& bytes) const {
    ASSERT_EQ(send(worker(), bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }

 private:
  int fds_[2];
};

std::vector<uint8_t> Raw(uint32_t op, uint32_t length, const std::vector<uint8_t>& rest = {}) {
  std::vector<uint8_t> m(8 + rest.size());
  std::memcpy(m.data(), &op, 4);
  std::memcpy(m.data() + 4, &length, 4);
  if (!rest.empty()) std::memcpy(m.data() + 8, rest.data(), rest.size());
  return m;
}

template <typename Body>
std::vector<uint8_t> Typed(wire::Op op, const Body& body, size_t trailer_bytes = 0) {
  std::vector<uint8_t> rest(sizeof(Body) + trailer_bytes, 0);
  std::memcpy(rest.data(), &body, sizeof(Body));
  return Raw(static_cast<uint32_t>(op), static_cast<uint32_t>(8 + rest.size()), rest);
}

void ExpectViolation(const std::vector<uint8_t>& message, const char* what) {
  SocketPair sp;
  sp.Send(message);
  RecordingSink sink;
  const WorkerOutcome out = RunBrokerOn(sp.broker(), &sink);
  EXPECT_EQ(out.kind, WorkerOutcome::Kind::kProtocolViolation) << what;
  EXPECT_FALSE(out.message.empty()) << what;
  ASSERT_EQ(sink.violations().size(), 1u) << what;
  EXPECT_EQ(sink.violations()[0], out.message);
  // No reply was sent: nothing is waiting on the worker's end.
  uint8_t byte;
  EXPECT_EQ(recv(sp.worker(), &byte, 1, MSG_DONTWAIT), -1) << what;
}

TEST(BrokerHostile, MalformedMessagesEndTheSession) {
  ExpectViolation({0xde, 0xad, 0xbe}, "three bytes of garbage");
  ExpectViolation({1, 0, 0, 0, 8, 0}, "truncated header");
  ExpectViolation(Raw(1, 0xffffffffu), "huge length");
  ExpectViolation(Raw(1, 4096), "length larger than the message");
  ExpectViolation(Raw(0, 8), "op 0");
  ExpectViolation(Raw(0x7fffffffu, 8), "unknown op");
  ExpectViolation(Raw(static_cast<uint32_t>(wire::Op::kChunk), 8), "reply-only op");
  ExpectViolation(Typed(wire::Op::kFdWrite, wire::IoArgs{1, 1025, 0}, 1025 * 8),
                  "1025 iovecs");
  ExpectViolation(Typed(wire::Op::kFdRead, wire::IoArgs{1, 0xffffffffu, 0}), "count 2^32-1");
  ExpectViolation(Typed(wire::Op::kPathOpen, wire::PathArgs{3, 0, 0, 0, 0, 0, 4097}, 4097),
                  "path of 4097 bytes");
  ExpectViolation(Typed(wire::Op::kPathOpen, wire::PathArgs{3, 0, 0, 0, 0, 0, 10}, 3),
                  "path shorter than its length");
  ExpectViolation(Typed(wire::Op::kFdClose, wire::FdArgs{3, 0xff}), "non-zero padding");
  ExpectViolation(std::vector<uint8_t>(20000, 0x41), "message over the largest request");
}

TEST(BrokerHostile, RandomGarbageNeverCrashes) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 200; ++i) {
    std::vector<uint8_t> m(1 + rng() % 64);
    for (auto& b : m) b = static_cast<uint8_t>(rng());
    if (i % 2 == 0 && m.size() >= 8) {  // plausible header, random body
      const uint32_t op = 1 + rng() % 30;
      const uint32_t len = static_cast<uint32_t>(m.size());
      std::memcpy(m.data(), &op, 4);
      std::memcpy(m.data() + 4, &len, 4);
    }
    SocketPair sp;
    sp.Send(m);
    shutdown(sp.worker(), SHUT_WR);  // a message that happens to be valid then sees EOF
    RecordingSink sink;
    const WorkerOutcome out = RunBrokerOn(sp.broker(), &sink);
    const bool violation = out.kind == WorkerOutcome::Kind::kProtocolViolation;
    EXPECT_EQ(sink.violations().size(), violation ? 1u : 0u) << "case " << i;
    if (!violation) {  // it parsed: then the EOF (or a report) ended the session
      EXPECT_NE(out.kind, WorkerOutcome::Kind::kProtocolViolation);
    }
  }
}

TEST(BrokerHostile, PassedDescriptorsAreRefusedAndNeverInstalled) {
  SocketPair sp;
  const size_t fds_before = std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                          std::filesystem::directory_iterator());
  const int passed = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const wire::RequestHeader h{static_cast<uint32_t>(wire::Op::kSchedYield), 8};
  iovec part{const_cast<wire::RequestHeader*>(&h), sizeof(h)};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &part;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &passed, sizeof(int));
  ASSERT_EQ(sendmsg(sp.worker(), &msg, 0), 8);
  close(passed);
  RecordingSink sink;
  const WorkerOutcome out = RunBrokerOn(sp.broker(), &sink);
  EXPECT_EQ(out.kind, WorkerOutcome::Kind::kProtocolViolation);
  const size_t fds_after = std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                         std::filesystem::directory_iterator());
  EXPECT_EQ(fds_after, fds_before);  // the in-flight copy was closed, not installed
}

TEST(BrokerHostile, ViolationAfterValidTraffic) {
  BrokerHarness h;
  wasi::Timestamp t;
  ASSERT_EQ(h.client().ClockTimeGet(wasi::ClockId::kMonotonic, 0, &t), Errno::kSuccess);
  const auto garbage = Raw(12345, 8);
  ASSERT_EQ(send(h.client_socket(), garbage.data(), garbage.size(), MSG_NOSIGNAL), 8);
  const WorkerOutcome out = h.Disconnect();
  EXPECT_EQ(out.kind, WorkerOutcome::Kind::kProtocolViolation);
  EXPECT_EQ(h.sink().violations().size(), 1u);
  // The client sees the broker gone: EIO from now on, never a crash.
  EXPECT_EQ(h.client().SchedYield(), Errno::kIo);
  EXPECT_EQ(h.client().state(), BrokerClient::ChannelState::kBroken);
}

TEST(BrokerHostile, RangesOutsideTheMemoryAreEfault) {
  BrokerHarness h;
  h.tree().WriteFile("sandbox/f", "0123456789");
  wasi::Fd fd = 0;
  ASSERT_EQ(h.Open(3, "f", 0, r::kFdRead | r::kFdWrite | r::kFdTell, &fd), Errno::kSuccess);
  const uint32_t size = BrokerHarness::kMemoryBytes;
  const wasi::IoVec bad[] = {
      {size, 1},               // one past the end
      {size - 4, 8},           // straddles the end
      {0xfffffff0u, 0x20},     // wraps 32 bits
      {0, 0xffffffffu},        // longer than the memory
      {0xffffffffu, 0xffffffffu},
  };
  for (const wasi::IoVec& v : bad) {
    wasi::Size n = 0;
    EXPECT_EQ(h.client().FdRead(fd, {&v, 1}, &n), Errno::kFault) << v.offset << "+" << v.length;
    EXPECT_EQ(h.client().FdWrite(fd, {&v, 1}, &n), Errno::kFault) << v.offset << "+" << v.length;
    EXPECT_EQ(h.client().RandomGet(v), Errno::kFault);
  }
  // One good iovec then a bad one: nothing moves at all.
  const wasi::IoVec mixed[] = {{0, 4}, {size, 4}};
  wasi::Size n = 0;
  EXPECT_EQ(h.client().FdRead(fd, mixed, &n), Errno::kFault);
  wasi::FileSize pos = 1;
  EXPECT_EQ(h.client().FdTell(fd, &pos), Errno::kSuccess);
  EXPECT_EQ(pos, 0u);
  EXPECT_EQ(h.tree().ReadFile("sandbox/f"), "0123456789");
  EXPECT_GE(h.sink().denials().size(), 15u);
  EXPECT_EQ(h.sink().denials()[0].wasi_errno, static_cast<uint16_t>(Errno::kFault));

  // The worker grows its memory: the broker observes the new size itself.
  ASSERT_EQ(ftruncate(h.memfd(), size + 65536), 0);
  mmap(h.memory() + size, 65536, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, h.memfd(), size);
  const wasi::IoVec grown{size, 10};
  ASSERT_EQ(h.client().FdRead(fd, {&grown, 1}, &n), Errno::kSuccess);
  EXPECT_EQ(n, 10u);
  EXPECT_EQ(std::memcmp(h.memory() + size, "0123456789", 10), 0);
  EXPECT_EQ(h.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST(BrokerHostile, UnsealedMemoryIsNeverMapped) {
  SocketPair sp;
  const int memfd = memfd_create("unsealed", MFD_CLOEXEC);  // no MFD_ALLOW_SEALING
  ASSERT_EQ(ftruncate(memfd, 65536), 0);
  std::thread broker([&] {
    BrokerConfig config;
    config.socket_fd = sp.broker();
    config.memfd = memfd;
    config.stdin_fd = config.stdout_fd = config.stderr_fd = -1;
    RunBroker(std::move(config));
  });
  BrokerClient client(sp.worker());
  EXPECT_EQ(client.RandomGet({0, 16}), Errno::kFault);
  client.ReportExit(0);
  broker.join();
  close(memfd);
}

}  // namespace
}  // namespace capsa::caps
