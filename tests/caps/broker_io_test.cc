// Broker + BrokerClient end to end: start-up blobs, file and stdio I/O via
// iovecs in the memfd, seek/tell, fdstat, prestat, clocks, random, outcomes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "caps/protocol.h"
#include "tests/caps/broker_harness.h"

namespace capsa::caps {
namespace {

using testing::BrokerHarness;
using wasi::Errno;
namespace r = wasi::right;
constexpr wasi::Fd kSandbox = 3;

TEST(BrokerStartup, HelloStreamsInChunks) {
  std::string big(200 * 1024 + 17, 'x');  // four 64 KiB chunks
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  BrokerHarness h({{"sandbox", "/sandbox", DirRights::ReadOnly()}},
                  {"prog", "--flag", "", big}, {"A=1", "B="});
  ASSERT_TRUE(h.client().Hello().ok());
  EXPECT_EQ(h.client().Args(), (std::vector<std::string>{"prog", "--flag", "", big}));
  EXPECT_EQ(h.client().Environ(), (std::vector<std::string>{"A=1", "B="}));
  const WorkerOutcome out = h.Finish(42);
  EXPECT_EQ(out.kind, WorkerOutcome::Kind::kExit);
  EXPECT_EQ(out.exit_code, 42u);
}

TEST(BrokerStartup, OversizedHelloIsRefusedNotTruncated) {
  BrokerHarness h({{"sandbox", "/sandbox", DirRights::ReadOnly()}},
                  {"prog", std::string(wire::kMaxHelloBytes, 'x')});
  const Result<void> hello = h.client().Hello();
  EXPECT_FALSE(hello.ok());
  EXPECT_TRUE(h.client().Args().empty());
  EXPECT_EQ(h.client().state(), BrokerClient::ChannelState::kOk);  // a refusal, not a break
  EXPECT_EQ(h.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST(BrokerStartup, TrapAndDisconnectOutcomes) {
  {
    BrokerHarness h;
    h.client().ReportTrap("unreachable in $main");
    h.Disconnect();  // the broker already returned on the report
    EXPECT_TRUE(h.sink().violations().empty());
  }
  {
    BrokerHarness h;
    const WorkerOutcome out = h.Disconnect();
    EXPECT_EQ(out.kind, WorkerOutcome::Kind::kDisconnected);
  }
}

TEST(BrokerStartup, TrapMessageIsReported) {
  BrokerHarness h;
  h.client().ReportTrap("integer divide by zero");
  const WorkerOutcome out = h.Disconnect();
  EXPECT_EQ(out.kind, WorkerOutcome::Kind::kTrap);
  EXPECT_EQ(out.message, "integer divide by zero");
}

TEST(BrokerIo, WriteThenReadAFileThroughIovecs) {
  BrokerHarness h;
  wasi::Fd fd = 0;
  ASSERT_EQ(h.Open(kSandbox, "notes.txt", wasi::oflag::kCreat,
                   r::kFdRead | r::kFdWrite | r::kFdSeek | r::kFdTell | r::kFdFilestatGet |
                       r::kFdSync | r::kFdDatasync,
                   &fd),
            Errno::kSuccess);
  EXPECT_EQ(fd, 4u);  // lowest free number after the preopen
  wasi::Size n = 0;
  ASSERT_EQ(h.Write(fd, "hello, broker\n", &n), Errno::kSuccess);
  EXPECT_EQ(n, 14u);
  EXPECT_EQ(h.tree().ReadFile("sandbox/notes.txt"), "hello, broker\n");

  wasi::FileSize pos = 0;
  EXPECT_EQ(h.client().FdTell(fd, &pos), Errno::kSuccess);
  EXPECT_EQ(pos, 14u);
  EXPECT_EQ(h.client().FdSeek(fd, 7, wasi::Whence::kSet, &pos), Errno::kSuccess);
  EXPECT_EQ(pos, 7u);
  std::string got;
  ASSERT_EQ(h.Read(fd, 100, &got), Errno::kSuccess);
  EXPECT_EQ(got, "broker\n");
  ASSERT_EQ(h.Read(fd, 100, &got), Errno::kSuccess);
  EXPECT_EQ(got, "");  // EOF

  // Positioned I/O leaves the offset alone.
  std::memcpy(h.memory() + 0x2000, "HELLO", 5);
  const wasi::IoVec iov{0x2000, 5};
  EXPECT_EQ(h.client().FdPwrite(fd, {&iov, 1}, 0, &n), Errno::kSuccess);
  EXPECT_EQ(n, 5u);
  const wasi::IoVec riov{0x3000, 6};
  EXPECT_EQ(h.client().FdPread(fd, {&riov, 1}, 7, &n), Errno::kSuccess);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(h.memory() + 0x3000), n), "broker");
  EXPECT_EQ(h.client().FdTell(fd, &pos), Errno::kSuccess);
  EXPECT_EQ(pos, 14u);
  EXPECT_EQ(h.tree().ReadFile("sandbox/notes.txt"), "HELLO, broker\n");

  wasi::FileStat st{};
  EXPECT_EQ(h.client().FdFilestatGet(fd, &st), Errno::kSuccess);
  EXPECT_EQ(st.filetype, wasi::FileType::kRegularFile);
  EXPECT_EQ(st.size, 14u);
  EXPECT_EQ(h.client().FdSync(fd), Errno::kSuccess);
  EXPECT_EQ(h.client().FdDatasync(fd), Errno::kSuccess);
  EXPECT_EQ(h.client().FdClose(fd), Errno::kSuccess);
  EXPECT_EQ(h.client().FdClose(fd), Errno::kBadf);
  EXPECT_EQ(h.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST(BrokerIo, GatherWriteOfManyIovecs) {
  BrokerHarness h;
  wasi::Fd fd = 0;
  ASSERT_EQ(h.Open(kSandbox, "many", wasi::oflag::kCreat, r::kFdWrite, &fd), Errno::kSuccess);
  std::vector<wasi::IoVec> iovs;
  std::string expected;
  for (uint32_t i = 0; i < 1024; ++i) {
    h.memory()[0x8000 + i] = static_cast<uint8_t>('a' + i % 26);
    iovs.push_back({0x8000 + i, 1});
    expected += static_cast<char>('a' + i % 26);
  }
  wasi::Size n = 0;
  EXPECT_EQ(h.client().FdWrite(fd, iovs, &n), Errno::kSuccess);
  EXPECT_EQ(n, 1024u);
  EXPECT_EQ(h.tree().ReadFile("sandbox/many"), expected);
  iovs.push_back({0, 1});  // 1025: refused by the client before sending
  EXPECT_EQ(h.client().FdWrite(fd, iovs, &n), Errno::kInval);
  EXPECT_EQ(h.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST(BrokerIo, StdioStreams) {
  BrokerHarness h;
  wasi::FdStat st{};
  ASSERT_EQ(h.client().FdFdstatGet(1, &st), Errno::kSuccess);
  EXPECT_EQ(st.filetype, wasi::FileType::kUnknown);  // a pipe, as wasmtime reports it
  EXPECT_TRUE(st.rights_base & r::kFdWrite);
  EXPECT_FALSE(st.rights_base & (r::kFdRead | r::kFdSeek));
  ASSERT_EQ(h.client().FdFdstatGet(0, &st), Errno::kSuccess);
  EXPECT_TRUE(st.rights_base & r::kFdRead);
  EXPECT_FALSE(st.rights_base & r::kFdWrite);

  ASSERT_EQ(h.Write(1, "to stdout"), Errno::kSuccess);
  char buf[32] = {};
  EXPECT_EQ(read(h.stdout_read_end(), buf, sizeof(buf)), 9);
  EXPECT_STREQ(buf, "to stdout");

  ASSERT_EQ(write(h.stdin_write_end(), "input", 5), 5);
  std::string got;
  ASSERT_EQ(h.Read(0, 64, &got), Errno::kSuccess);
  EXPECT_EQ(got, "input");

  wasi::FileSize pos;
  EXPECT_EQ(h.client().FdSeek(1, 0, wasi::Whence::kCur, &pos), Errno::kNotcapable);
  EXPECT_EQ(h.Write(0, "x"), Errno::kNotcapable);  // stdin has no write right

  // Closing guest fd 1 closes the broker's duplicate only.
  EXPECT_EQ(h.client().FdClose(1), Errno::kSuccess);
  EXPECT_EQ(h.Write(1, "gone"), Errno::kBadf);
  EXPECT_EQ(h.Finish().kind, WorkerOutcome::Kind::kExit);
  EXPECT_GE(fcntl(1, F_GETFD), 0);
}

TEST(BrokerIo, SeekOnAPipeIsEspipe) {
  BrokerHarness h;
  // A FIFO opened through the preopen holds fd_seek, and the kernel says ESPIPE.
  ASSERT_EQ(mkfifo(h.tree().Path("sandbox/fifo").c_str(), 0600), 0);
  wasi::Fd fd = 0;
  ASSERT_EQ(h.Open(kSandbox, "fifo", 0,
                   r::kFdRead | r::kFdSeek | r::kFdTell | r::kFdFdstatSetFlags, &fd),
            Errno::kSuccess);  // O_NONBLOCK at open: no writer, yet no hang
  wasi::FileSize pos;
  EXPECT_EQ(h.client().FdSeek(fd, 0, wasi::Whence::kCur, &pos), Errno::kSpipe);
  EXPECT_EQ(h.client().FdSeek(fd, 1, static_cast<wasi::Whence>(7), &pos), Errno::kInval);
  wasi::FdStat st{};
  ASSERT_EQ(h.client().FdFdstatGet(fd, &st), Errno::kSuccess);
  EXPECT_EQ(st.flags & wasi::fdflag::kNonblock, 0);  // cleared after the open
  EXPECT_EQ(h.client().FdFdstatSetFlags(fd, wasi::fdflag::kNonblock), Errno::kSuccess);
  ASSERT_EQ(h.client().FdFdstatGet(fd, &st), Errno::kSuccess);
  EXPECT_EQ(st.flags, wasi::fdflag::kNonblock);
  EXPECT_EQ(h.client().FdFdstatSetFlags(fd, wasi::fdflag::kSync), Errno::kInval);
  std::string got;
  EXPECT_EQ(h.Read(fd, 8, &got), Errno::kSuccess);  // no writer: EOF
  EXPECT_EQ(h.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST(BrokerIo, PrestatAndClose) {
  BrokerHarness h({{"sandbox", "/sandbox", DirRights::ReadWrite()},
                   {"outside", "/data", DirRights::ReadOnly()}});
  wasi::Prestat ps{};
  ASSERT_EQ(h.client().FdPrestatGet(3, &ps), Errno::kSuccess);
  EXPECT_EQ(ps.tag, 0);
  EXPECT_EQ(ps.dir_name_len, 8u);
  std::string name;
  ASSERT_EQ(h.client().FdPrestatDirName(4, &name), Errno::kSuccess);
  EXPECT_EQ(name, "/data");
  EXPECT_EQ(h.client().FdPrestatGet(5, &ps), Errno::kBadf);
  EXPECT_EQ(h.client().FdPrestatGet(1, &ps), Errno::kBadf);
  EXPECT_EQ(h.client().FdPrestatDirName(0, &name), Errno::kBadf);
  EXPECT_TRUE(h.sink().denials().empty());  // the preopen scan is not a denial

  wasi::FdStat st{};
  ASSERT_EQ(h.client().FdFdstatGet(4, &st), Errno::kSuccess);
  EXPECT_EQ(st.filetype, wasi::FileType::kDirectory);
  EXPECT_EQ(st.rights_base, DirRights::ReadOnly().base());
  EXPECT_EQ(st.rights_inheriting, DirRights::ReadOnly().inheriting());

  EXPECT_EQ(h.client().FdClose(3), Errno::kSuccess);  // preopens may be closed
  EXPECT_EQ(h.client().FdPrestatGet(3, &ps), Errno::kBadf);
  wasi::Fd fd = 0;
  ASSERT_EQ(h.Open(4, "secret", 0, r::kFdRead, &fd), Errno::kSuccess);
  EXPECT_EQ(fd, 3u);  // the freed number is reused
  std::string got;
  ASSERT_EQ(h.Read(fd, 64, &got), Errno::kSuccess);
  EXPECT_EQ(got, "top secret\n");
  EXPECT_EQ(h.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST(BrokerIo, ClocksRandomYieldUnsupported) {
  BrokerHarness h;
  wasi::Timestamp t1 = 0, t2 = 0, res = 0;
  EXPECT_EQ(h.client().ClockTimeGet(wasi::ClockId::kMonotonic, 1, &t1), Errno::kSuccess);
  EXPECT_EQ(h.client().ClockTimeGet(wasi::ClockId::kMonotonic, 1, &t2), Errno::kSuccess);
  EXPECT_GE(t2, t1);
  EXPECT_EQ(h.client().ClockTimeGet(wasi::ClockId::kRealtime, 0, &t1), Errno::kSuccess);
  EXPECT_GT(t1, 1'600'000'000ull * 1'000'000'000ull);
  EXPECT_EQ(h.client().ClockResGet(wasi::ClockId::kProcessCputime, &res), Errno::kSuccess);
  EXPECT_GT(res, 0u);
  EXPECT_EQ(h.client().ClockTimeGet(static_cast<wasi::ClockId>(9), 0, &t1), Errno::kInval);

  std::memset(h.memory() + 0x5000, 0, 256);
  ASSERT_EQ(h.client().RandomGet({0x5000, 256}), Errno::kSuccess);
  int nonzero = 0;
  for (int i = 0; i < 256; ++i) nonzero += h.memory()[0x5000 + i] != 0;
  EXPECT_GT(nonzero, 200);

  EXPECT_EQ(h.client().SchedYield(), Errno::kSuccess);
  EXPECT_EQ(h.client().Unsupported("sock_accept"), Errno::kNosys);
  EXPECT_EQ(h.sink().unsupported(), std::vector<std::string>{"sock_accept"});
  EXPECT_EQ(h.Finish().kind, WorkerOutcome::Kind::kExit);
}

TEST(BrokerIo, PathOpsInsideTheSandbox) {
  BrokerHarness h;
  ASSERT_EQ(h.client().PathCreateDirectory(kSandbox, "d"), Errno::kSuccess);
  EXPECT_EQ(h.client().PathCreateDirectory(kSandbox, "d"), Errno::kExist);
  wasi::Fd fd = 0;
  ASSERT_EQ(h.Open(kSandbox, "d/f", wasi::oflag::kCreat | wasi::oflag::kExcl, r::kFdWrite, &fd),
            Errno::kSuccess);
  EXPECT_EQ(h.Open(kSandbox, "d/f", wasi::oflag::kCreat | wasi::oflag::kExcl, r::kFdWrite, &fd),
            Errno::kExist);
  wasi::FileStat st{};
  ASSERT_EQ(h.client().PathFilestatGet(kSandbox, 0, "d/f", &st), Errno::kSuccess);
  EXPECT_EQ(st.filetype, wasi::FileType::kRegularFile);
  ASSERT_EQ(symlink("d/f", h.tree().Path("sandbox/link").c_str()), 0);
  ASSERT_EQ(h.client().PathFilestatGet(kSandbox, 0, "link", &st), Errno::kSuccess);
  EXPECT_EQ(st.filetype, wasi::FileType::kSymbolicLink);
  ASSERT_EQ(h.client().PathFilestatGet(kSandbox, wasi::lookupflag::kSymlinkFollow, "link", &st),
            Errno::kSuccess);
  EXPECT_EQ(st.filetype, wasi::FileType::kRegularFile);
  EXPECT_EQ(h.Open(kSandbox, "link", 0, r::kFdRead, &fd, 0), Errno::kLoop);  // nofollow

  EXPECT_EQ(h.client().PathRemoveDirectory(kSandbox, "d"), Errno::kNotempty);
  EXPECT_EQ(h.client().PathUnlinkFile(kSandbox, "d"), Errno::kIsdir);
  EXPECT_EQ(h.client().PathUnlinkFile(kSandbox, "d/f"), Errno::kSuccess);
  EXPECT_EQ(h.client().PathRemoveDirectory(kSandbox, "d/"), Errno::kSuccess);
  EXPECT_FALSE(h.tree().Exists("sandbox/d"));
  EXPECT_EQ(h.client().PathUnlinkFile(kSandbox, "."), Errno::kIsdir);
  EXPECT_EQ(h.client().PathRemoveDirectory(kSandbox, "."), Errno::kInval);
  EXPECT_EQ(h.client().PathUnlinkFile(kSandbox, ""), Errno::kNoent);
  EXPECT_EQ(h.client().PathUnlinkFile(kSandbox, std::string("a\0b", 3)), Errno::kInval);
  EXPECT_EQ(h.client().PathUnlinkFile(kSandbox, std::string(5000, 'a')), Errno::kNametoolong);
  EXPECT_TRUE(h.tree().Exists("sandbox"));
  EXPECT_EQ(h.Finish().kind, WorkerOutcome::Kind::kExit);
}

}  // namespace
}  // namespace capsa::caps
