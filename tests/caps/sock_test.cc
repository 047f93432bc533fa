// sock_* through the real broker on a preopened TCP listener (127.0.0.1, an
// ephemeral port): accept, recv (peek, waitall, nonblock), send, shutdown,
// and the refusals: rights, flags, non-sockets.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "tests/caps/broker_harness.h"

namespace capsa::caps {
namespace {

using testing::BrokerHarness;
using wasi::Errno;
constexpr wasi::Fd kSandbox = 3;
constexpr wasi::Fd kListener = 4;
constexpr uint32_t kBuf = 0x2000;

// A listening socket on 127.0.0.1:0; *port gets the port.
int Listen(uint16_t* port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd, 8) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    return -1;
  }
  *port = ntohs(a.sin_port);
  return fd;
}

int Connect(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return -1;
  return fd;
}

class Sock : public ::testing::Test {
 protected:
  static std::vector<testing::PreopenSpec> Preopens(uint16_t* port) {
    testing::PreopenSpec sock{"127.0.0.1", "", DirRights::ReadOnly()};
    sock.socket_fd = Listen(port);
    return {testing::PreopenSpec{"sandbox", "/sandbox", DirRights::ReadWrite()}, sock};
  }
  Sock() : h_(Preopens(&port_)) {}

  Errno Recv(wasi::Fd fd, uint32_t max, uint16_t flags, std::string* out,
             uint16_t* roflags = nullptr) {
    const wasi::IoVec iov{kBuf, max};
    wasi::Size n = 0;
    uint16_t ro = 0;
    const Errno e = h_.client().SockRecv(fd, {&iov, 1}, flags, &n, &ro);
    if (e == Errno::kSuccess) out->assign(reinterpret_cast<char*>(h_.memory() + kBuf), n);
    if (roflags != nullptr) *roflags = ro;
    return e;
  }
  Errno Send(wasi::Fd fd, const std::string& data, wasi::Size* n) {
    std::memcpy(h_.memory() + kBuf, data.data(), data.size());
    const wasi::IoVec iov{kBuf, static_cast<uint32_t>(data.size())};
    return h_.client().SockSend(fd, {&iov, 1}, 0, n);
  }

  uint16_t port_ = 0;
  BrokerHarness h_;
};

TEST_F(Sock, ListenerIsAPreopenedStreamSocketAfterTheDirectories) {
  wasi::Prestat prestat{};
  EXPECT_EQ(h_.client().FdPrestatGet(kSandbox, &prestat), Errno::kSuccess);
  EXPECT_EQ(h_.client().FdPrestatGet(kListener, &prestat), Errno::kBadf);
  wasi::FdStat st{};
  ASSERT_EQ(h_.client().FdFdstatGet(kListener, &st), Errno::kSuccess);
  EXPECT_EQ(st.filetype, wasi::FileType::kSocketStream);
  EXPECT_EQ(st.rights_base, kListenerSocketRights);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST_F(Sock, AcceptRecvSendShutdown) {
  std::string echoed;
  std::thread peer([&] {
    const int c = Connect(port_);
    ASSERT_GE(c, 0);
    ASSERT_EQ(write(c, "hello\n", 6), 6);
    char buf[64];
    ssize_t n;
    while ((n = read(c, buf, sizeof buf)) > 0) echoed.append(buf, n);  // until shutdown(wr)
    ASSERT_EQ(write(c, "abcd", 4), 4);
    close(c);
  });
  wasi::Fd conn = 0;
  ASSERT_EQ(h_.client().SockAccept(kListener, 0, &conn), Errno::kSuccess);
  wasi::FdStat st{};
  ASSERT_EQ(h_.client().FdFdstatGet(conn, &st), Errno::kSuccess);
  EXPECT_EQ(st.filetype, wasi::FileType::kSocketStream);
  EXPECT_EQ(st.rights_base, kAcceptedSocketRights);
  std::string got;
  ASSERT_EQ(Recv(conn, 6, /*peek*/ 1, &got), Errno::kSuccess);
  EXPECT_EQ(got, "hello\n");
  ASSERT_EQ(Recv(conn, 6, /*waitall*/ 2, &got), Errno::kSuccess);  // peeked bytes are still there
  EXPECT_EQ(got, "hello\n");
  wasi::Size sent = 0;
  ASSERT_EQ(Send(conn, got, &sent), Errno::kSuccess);
  EXPECT_EQ(sent, 6u);
  ASSERT_EQ(h_.client().SockShutdown(conn, /*wr*/ 2), Errno::kSuccess);
  uint16_t roflags = 99;
  ASSERT_EQ(Recv(conn, 4, /*waitall*/ 2, &got, &roflags), Errno::kSuccess);
  EXPECT_EQ(got, "abcd");
  EXPECT_EQ(roflags, 0);
  peer.join();
  EXPECT_EQ(echoed, "hello\n");
  ASSERT_EQ(Recv(conn, 4, 0, &got), Errno::kSuccess);
  EXPECT_EQ(got, "");  // EOF
  EXPECT_EQ(h_.client().FdClose(conn), Errno::kSuccess);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST_F(Sock, NonblockAcceptedConnection) {
  const int c = Connect(port_);
  ASSERT_GE(c, 0);
  wasi::Fd conn = 0;
  ASSERT_EQ(h_.client().SockAccept(kListener, wasi::fdflag::kNonblock, &conn), Errno::kSuccess);
  wasi::FdStat st{};
  ASSERT_EQ(h_.client().FdFdstatGet(conn, &st), Errno::kSuccess);
  EXPECT_TRUE(st.flags & wasi::fdflag::kNonblock);
  std::string got;
  EXPECT_EQ(Recv(conn, 4, 0, &got), Errno::kAgain);
  // A nonblocking listener with nothing pending answers EAGAIN too.
  ASSERT_EQ(h_.client().FdFdstatSetFlags(kListener, wasi::fdflag::kNonblock), Errno::kSuccess);
  wasi::Fd none = 0;
  EXPECT_EQ(h_.client().SockAccept(kListener, 0, &none), Errno::kAgain);
  close(c);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST_F(Sock, RightsFlagsAndNonSockets) {
  const int c = Connect(port_);
  wasi::Fd conn = 0;
  ASSERT_EQ(h_.client().SockAccept(kListener, 0, &conn), Errno::kSuccess);
  std::string got;
  wasi::Fd fd = 0;
  // The directory has no sock_accept right; the listener has no fd_read.
  EXPECT_EQ(h_.client().SockAccept(kSandbox, 0, &fd), Errno::kNotcapable);
  EXPECT_EQ(Recv(kListener, 4, 0, &got), Errno::kNotcapable);
  EXPECT_EQ(h_.client().SockShutdown(kListener, 3), Errno::kNotcapable);
  EXPECT_EQ(h_.sink().denials().size(), 3u);
  // A connection cannot accept.
  EXPECT_EQ(h_.client().SockAccept(conn, 0, &fd), Errno::kNotcapable);
  // Unknown flags.
  EXPECT_EQ(Recv(conn, 4, 4, &got), Errno::kInval);
  EXPECT_EQ(h_.client().SockShutdown(conn, 0), Errno::kInval);
  EXPECT_EQ(h_.client().SockShutdown(conn, 4), Errno::kInval);
  EXPECT_EQ(h_.client().SockAccept(kListener, wasi::fdflag::kAppend, &fd), Errno::kInval);
  // Not a socket: a file with read rights.
  h_.tree().WriteFile("sandbox/f", "x");
  wasi::Fd file = 0;
  ASSERT_EQ(h_.Open(kSandbox, "f", 0, wasi::right::kFdRead, &file), Errno::kSuccess);
  EXPECT_EQ(Recv(file, 1, 0, &got), Errno::kNotsock);
  close(c);
  EXPECT_EQ(h_.Finish().kind, WorkerOutcome::Kind::kExit);
}

}  // namespace
}  // namespace capsa::caps
