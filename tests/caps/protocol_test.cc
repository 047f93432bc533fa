// Strict parsing of requests, table-driven (minijail style), and the Hello blob.
#include "caps/protocol.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "caps/blob.h"
#include "caps/errno_map.h"

namespace capsa::caps::wire {
namespace {

template <typename Body>
std::vector<uint8_t> Message(Op op, const Body& body, std::string_view trailer = {}) {
  std::vector<uint8_t> m(sizeof(RequestHeader) + sizeof(Body) + trailer.size());
  const RequestHeader h{static_cast<uint32_t>(op), static_cast<uint32_t>(m.size())};
  std::memcpy(m.data(), &h, sizeof(h));
  std::memcpy(m.data() + sizeof(h), &body, sizeof(Body));
  std::memcpy(m.data() + sizeof(h) + sizeof(Body), trailer.data(), trailer.size());
  return m;
}

std::vector<uint8_t> Empty(Op op) {
  const RequestHeader h{static_cast<uint32_t>(op), sizeof(RequestHeader)};
  std::vector<uint8_t> m(sizeof(h));
  std::memcpy(m.data(), &h, sizeof(h));
  return m;
}

TEST(ParseRequestTest, ValidMessages) {
  const std::string iovs(16, '\0');
  const std::vector<std::vector<uint8_t>> valid = {
      Empty(Op::kHello),
      Empty(Op::kSchedYield),
      Message(Op::kFdWrite, IoArgs{1, 2, 0}, iovs),
      Message(Op::kFdPread, IoArgs{3, 0, 1234}),
      Message(Op::kFdClose, FdArgs{3, 0}),
      Message(Op::kFdSeek, SeekArgs{3, 2, {0, 0, 0}, -5}),
      Message(Op::kPathOpen, PathArgs{3, 1, ~0ull, ~0ull, 0xf, 0x1f, 3}, "a/b"),
      Message(Op::kPathFilestatGet, PathArgs{3, 1, 0, 0, 0, 0, 1}, "x"),
      Message(Op::kPathUnlinkFile, PathArgs{3, 0, 0, 0, 0, 0, 0}),
      Message(Op::kClockTimeGet, ClockArgs{9, 0, 1000}),
      Message(Op::kUnsupported, TextArgs{9, 0}, "sock_recv"),
      Message(Op::kReportExit, ExitArgs{7, 0}),
      Message(Op::kPathOpen, PathArgs{3, 0, 0, 0, 0, 0, kMaxTextBytes},
              std::string(kMaxTextBytes, 'a')),
  };
  for (size_t i = 0; i < valid.size(); ++i) {
    EXPECT_TRUE(ParseRequest(valid[i]).ok()) << "case " << i << ": "
                                             << ParseRequest(valid[i]).error().message;
  }
  auto m = Message(Op::kFdWrite, IoArgs{1, 2, 0}, iovs);
  auto r = ParseRequest(m);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->op, Op::kFdWrite);
  EXPECT_EQ(r->IoVecCount(), 2u);
  EXPECT_EQ(r->As<IoArgs>().fd, 1u);
}

TEST(ParseRequestTest, InvalidMessages) {
  std::vector<std::vector<uint8_t>> invalid;
  invalid.push_back({});                                   // empty
  invalid.push_back({1, 0, 0});                            // shorter than a header
  auto bad_len = Empty(Op::kHello);
  bad_len[4] = 9;                                          // length says 9, 8 received
  invalid.push_back(bad_len);
  auto huge = Empty(Op::kHello);
  std::memset(huge.data() + 4, 0xff, 4);                   // length 0xffffffff
  invalid.push_back(huge);
  invalid.push_back(Empty(static_cast<Op>(0)));            // op 0
  invalid.push_back(Empty(static_cast<Op>(999)));          // unknown op
  invalid.push_back(Empty(Op::kChunk));                    // reply-only op
  invalid.push_back(Empty(Op::kFdClose));                  // missing body
  invalid.push_back(Message(Op::kHello, FdArgs{0, 0}));    // body where none belongs
  invalid.push_back(Message(Op::kFdClose, FdArgs{3, 1}));  // non-zero padding
  invalid.push_back(Message(Op::kFdWrite, IoArgs{1, 1, 5}, std::string(8, '\0')));  // offset
  invalid.push_back(Message(Op::kFdWrite, IoArgs{1, 2, 0}, std::string(8, '\0')));  // count
  invalid.push_back(Message(Op::kFdWrite, IoArgs{1, kMaxIoVecs + 1, 0},
                            std::string((kMaxIoVecs + 1) * 8, '\0')));  // over the limit
  invalid.push_back(Message(Op::kPathOpen, PathArgs{3, 0, 0, 0, 0, 0, kMaxTextBytes + 1},
                            std::string(kMaxTextBytes + 1, 'a')));  // path too long
  invalid.push_back(Message(Op::kPathOpen, PathArgs{3, 0, 0, 0, 0, 0, 4}, "abc"));  // short
  invalid.push_back(Message(Op::kPathUnlinkFile, PathArgs{3, 1, 0, 0, 0, 0, 1}, "a"));
  invalid.push_back(Message(Op::kPathFilestatGet, PathArgs{3, 1, 1, 0, 0, 0, 1}, "a"));
  invalid.push_back(Message(Op::kClockResGet, ClockArgs{0, 0, 5}));
  invalid.push_back(Message(Op::kFdSeek, SeekArgs{3, 0, {0, 1, 0}, 0}));
  invalid.push_back(Message(Op::kReportTrap, TextArgs{5000, 0}, std::string(5000, 't')));
  for (size_t i = 0; i < invalid.size(); ++i) {
    const auto r = ParseRequest(invalid[i]);
    ASSERT_FALSE(r.ok()) << "case " << i;
    EXPECT_EQ(r.error().code, ErrorCode::kProtocol) << "case " << i;
    EXPECT_FALSE(r.error().message.empty());
  }
}

TEST(ParseRequestTest, EveryOpHasASpecAndAName) {
  const auto retired = static_cast<uint32_t>(Op::kRetired2);
  for (uint32_t op = kFirstOp; op <= kLastRequestOp; ++op) {
    if (op == retired) continue;
    ASSERT_NE(FindOpSpec(op), nullptr) << op;
    EXPECT_STRNE(OpName(static_cast<Op>(op)), "unknown");
    const OpSpec* spec = FindOpSpec(op);
    EXPECT_LE(sizeof(RequestHeader) + spec->body_size + kMaxIoVecs * 8, kMaxRequestBytes);
  }
  EXPECT_EQ(FindOpSpec(0), nullptr);
  EXPECT_EQ(FindOpSpec(kLastRequestOp + 1), nullptr);
  // The old fetch_module number is refused like any unknown op.
  EXPECT_EQ(FindOpSpec(retired), nullptr);
  const RequestHeader header{retired, sizeof(RequestHeader)};
  std::vector<uint8_t> message(sizeof(header));
  std::memcpy(message.data(), &header, sizeof(header));
  Result<Request> parsed = ParseRequest(message);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("unknown op 2"), std::string::npos) << parsed.error().message;
}

TEST(HelloBlobTest, RoundTripsAndRejectsMalformed) {
  const std::vector<std::string> args = {"prog", "", std::string("a\0b", 3)};
  const std::vector<std::string> env = {"K=V"};
  const std::string blob = EncodeHello(args, env);
  auto data = DecodeHello(blob);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->args, args);
  EXPECT_EQ(data->env, env);
  EXPECT_FALSE(DecodeHello(blob.substr(0, blob.size() - 1)).ok());
  EXPECT_FALSE(DecodeHello(blob + "x").ok());
  EXPECT_FALSE(DecodeHello("").ok());
  std::string huge_count = blob;
  std::memset(huge_count.data(), 0xff, 4);
  EXPECT_FALSE(DecodeHello(huge_count).ok());
}

TEST(ErrnoMapTest, MapsLinuxErrnos) {
  EXPECT_EQ(ErrnoFromHost(0), wasi::Errno::kSuccess);
  EXPECT_EQ(ErrnoFromHost(ENOENT), wasi::Errno::kNoent);
  EXPECT_EQ(ErrnoFromHost(EWOULDBLOCK), wasi::Errno::kAgain);
  EXPECT_EQ(ErrnoFromHost(EOPNOTSUPP), wasi::Errno::kNotsup);
  EXPECT_EQ(ErrnoFromHost(ELOOP), wasi::Errno::kLoop);
  EXPECT_EQ(ErrnoFromHost(EXDEV), wasi::Errno::kXdev);
  EXPECT_EQ(ErrnoFromHost(ESPIPE), wasi::Errno::kSpipe);
  EXPECT_EQ(ErrnoFromHost(12345), wasi::Errno::kIo);
  EXPECT_STREQ(WasiErrnoName(wasi::Errno::kNotcapable), "ENOTCAPABLE");
  EXPECT_STREQ(WasiErrnoName(static_cast<wasi::Errno>(500)), "E?");
}

}  // namespace
}  // namespace capsa::caps::wire
