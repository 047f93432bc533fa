// `capsa run --tcplisten HOST:PORT sock_echo.wasm`: the guest accepts one
// connection on the preopened listener, echoes a line and exits 0; the test
// is the client. HOST is numeric and, once, the name `localhost`: `capsa` is
// a static PIE, and a name is resolved by the static libc's getaddrinfo
// (/etc/hosts), which this checks through the shipped binary.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>

#if !defined(CAPSA_BIN) || !defined(CAPSA_CAPS_GUEST_DIR)
#error "CMake passes CAPSA_BIN and CAPSA_CAPS_GUEST_DIR"
#endif

namespace {

// Loopback over IPv4, then IPv6 (`localhost` may be bound as either).
int ConnectWithRetry(uint16_t port, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    sockaddr_in a4{};
    a4.sin_family = AF_INET;
    a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a4.sin_port = htons(port);
    sockaddr_in6 a6{};
    a6.sin6_family = AF_INET6;
    a6.sin6_addr = in6addr_loopback;
    a6.sin6_port = htons(port);
    const std::pair<const sockaddr*, socklen_t> targets[] = {
        {reinterpret_cast<const sockaddr*>(&a4), sizeof a4},
        {reinterpret_cast<const sockaddr*>(&a6), sizeof a6}};
    for (const auto& [addr, len] : targets) {
      const int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd >= 0 && connect(fd, addr, len) == 0) return fd;
      if (fd >= 0) close(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

void EchoThroughCapsa(const std::string& host) {
  std::random_device rd;
  const uint16_t port = static_cast<uint16_t>(20000 + rd() % 30000);
  int out[2];
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  const std::string listen = host + ":" + std::to_string(port);
  const std::string guest = std::string(CAPSA_CAPS_GUEST_DIR) + "/sock_echo.wasm";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], 1);
    execl(CAPSA_BIN, CAPSA_BIN, "run", "--tcplisten", listen.c_str(), "--timeout", "30",
          guest.c_str(), nullptr);
    _exit(127);
  }
  close(out[1]);
  const int c = ConnectWithRetry(port, std::chrono::seconds(20));
  if (c < 0) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  ASSERT_GE(c, 0) << "capsa never listened on " << listen;
  ASSERT_EQ(write(c, "ping over capsa\n", 16), 16);
  std::string echoed;
  char buf[256];
  ssize_t n;
  while ((n = read(c, buf, sizeof buf)) > 0) echoed.append(buf, n);  // until the guest's shutdown
  close(c);
  EXPECT_EQ(echoed, "ping over capsa\n");
  std::string stdout_text;
  while ((n = read(out[0], buf, sizeof buf)) > 0) stdout_text.append(buf, n);
  close(out[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << " " << stdout_text;
  EXPECT_EQ(stdout_text, "echoed 16 bytes\n");
}

TEST(SockCli, EchoesOneLineOnThePreopenedListener) { EchoThroughCapsa("127.0.0.1"); }

TEST(SockCli, AHostNameIsResolvedByTheStaticBinary) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (getaddrinfo("localhost", "0", &hints, &list) != 0) {
    GTEST_SKIP() << "this host does not resolve `localhost` (no /etc/hosts entry)";
  }
  freeaddrinfo(list);
  EchoThroughCapsa("localhost");
}

TEST(SockCli, BadTcplistenValuesAreUsageErrors) {
  for (const char* bad : {"8080", "127.0.0.1:", ":80", "127.0.0.1:99999", "::1:80"}) {
    const pid_t pid = fork();
    if (pid == 0) {
      const int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 2);
      execl(CAPSA_BIN, CAPSA_BIN, "run", "--tcplisten", bad, "x.wasm", nullptr);
      _exit(127);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << bad << " " << status;
  }
}

}  // namespace
