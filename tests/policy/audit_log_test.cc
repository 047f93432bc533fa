// AuditLog writes JSON lines that parse back with the documented fields;
// the stderr reporter prints one line per distinct cause; the fan-out
// forwards everything.
#include "policy/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "policy/denial_reporter.h"

namespace capsa::policy {
namespace {

using nlohmann::json;

// A pipe whose read end collects everything written to the write end.
class Capture {
 public:
  Capture() {
    EXPECT_EQ(pipe2(fds_, O_CLOEXEC), 0);
    fcntl(fds_[0], F_SETFL, O_NONBLOCK);
  }
  ~Capture() {
    close(fds_[0]);
    if (fds_[1] >= 0) close(fds_[1]);
  }
  int write_fd() const { return fds_[1]; }
  int TakeWriteFd() { int fd = fds_[1]; fds_[1] = -1; return fd; }
  std::string Read() {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(fds_[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }

 private:
  int fds_[2] = {-1, -1};
};

std::vector<json> ParseLines(const std::string& text) {
  std::vector<json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  return lines;
}

TEST(AuditLog, WritesOneParsableLinePerEvent) {
  Capture cap;
  AuditLog log(cap.TakeWriteFd(), "0123456789abcdef0123456789abcdef");
  log.OnGrant({"/data", "/srv/data", "ro", 3, 0x6000, 0x2});
  log.OnDenial({"path_open", "../x", "/srv", 0x2000, 0x40, 76, "path escapes the preopen /data", ""});
  log.OnDerived({"path_open", "a.txt", "/srv/data/a.txt", 4, 0x2, 0});
  log.OnUnsupported("sock_accept");
  log.OnProtocolViolation("message 7 is 3 bytes, expected 24");
  log.OnEnd({RunEnd::kExit, 3, 3, ""});
  log.OnEnd({RunEnd::kTrap, 134, 0, "unreachable in function f"});
  EXPECT_TRUE(log.ok());

  std::string text = cap.Read();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  std::vector<json> lines = ParseLines(text);
  ASSERT_EQ(lines.size(), 7u);
  const std::regex time_re(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  const char* events[] = {"grant", "denial", "derived", "unsupported", "protocol_violation",
                          "end", "end"};
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["v"], 1);
    EXPECT_EQ(lines[i]["run"], "0123456789abcdef0123456789abcdef");
    EXPECT_EQ(lines[i]["event"], events[i]);
    EXPECT_TRUE(std::regex_match(lines[i]["time"].get<std::string>(), time_re))
        << lines[i]["time"];
  }
  // Fixed keys lead every line.
  EXPECT_EQ(text.rfind("{\"v\":1,\"time\":", 0), 0u);

  EXPECT_EQ(lines[0]["guest_path"], "/data");
  EXPECT_EQ(lines[0]["host_path"], "/srv/data");
  EXPECT_EQ(lines[0]["mode"], "ro");
  EXPECT_EQ(lines[0]["fd"], 3);
  EXPECT_EQ(lines[0]["rights_base"], 0x6000);
  EXPECT_EQ(lines[0]["rights_inheriting"], 0x2);

  EXPECT_EQ(lines[1]["operation"], "path_open");
  EXPECT_EQ(lines[1]["guest_path"], "../x");
  EXPECT_EQ(lines[1]["host_path"], "/srv");
  EXPECT_EQ(lines[1]["rights_held"], 0x2000);
  EXPECT_EQ(lines[1]["rights_needed"], 0x40);
  EXPECT_EQ(lines[1]["errno"], 76);
  EXPECT_EQ(lines[1]["reason"], "path escapes the preopen /data");

  EXPECT_EQ(lines[2]["fd"], 4);
  EXPECT_EQ(lines[2]["host_path"], "/srv/data/a.txt");
  EXPECT_EQ(lines[3]["function"], "sock_accept");
  EXPECT_EQ(lines[4]["what"], "message 7 is 3 bytes, expected 24");

  EXPECT_EQ(lines[5]["end"], "exit");
  EXPECT_EQ(lines[5]["exit_status"], 3);
  EXPECT_EQ(lines[5]["guest_exit_code"], 3);
  EXPECT_EQ(lines[6]["end"], "trap");
  EXPECT_EQ(lines[6]["exit_status"], 134);
  EXPECT_FALSE(lines[6].contains("guest_exit_code"));
  EXPECT_EQ(lines[6]["message"], "unreachable in function f");
}

TEST(AuditLog, HostileStringsStayOneValidLine) {
  Capture cap;
  AuditLog log(cap.TakeWriteFd(), "r");
  std::string nasty = "a\n\"}{\"event\":\"end\"\xff\xfe";
  log.OnDenial({"path_open", nasty, nasty, 0, 0, 2, "no such file", ""});
  std::vector<json> lines = ParseLines(cap.Read());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["event"], "denial");
  std::string guest = lines[0]["guest_path"].get<std::string>();
  EXPECT_EQ(guest.rfind("a\n\"}{\"event\":\"end\"", 0), 0u) << guest;
  EXPECT_NE(guest.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD replaced the bad bytes
}

TEST(AuditLog, ReportsWriteFailure) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  close(fds[0]);
  signal(SIGPIPE, SIG_IGN);
  AuditLog log(fds[1], "r");
  EXPECT_TRUE(log.ok());
  log.OnUnsupported("x");
  EXPECT_FALSE(log.ok());
}

TEST(AuditLog, OpenAppendsAndCreatesPrivateFile) {
  char dir[] = "/tmp/capsa_audit_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/log.jsonl";
  for (int i = 0; i < 2; ++i) {
    Result<std::unique_ptr<AuditLog>> log = AuditLog::Open(path, "run" + std::to_string(i));
    ASSERT_TRUE(log.ok()) << log.error().message;
    (*log)->OnUnsupported("f");
  }
  struct stat st{};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  int fd = open(path.c_str(), O_RDONLY);
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  std::vector<json> lines = ParseLines(std::string(buf, static_cast<size_t>(n)));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["run"], "run0");
  EXPECT_EQ(lines[1]["run"], "run1");
  unlink(path.c_str());
  rmdir(dir);

  Result<std::unique_ptr<AuditLog>> bad = AuditLog::Open("/nonexistent/dir/log", "r");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "cannot open audit log /nonexistent/dir/log: No such file or directory");
}

TEST(NewRunId, Is32HexDigitsAndUnique) {
  std::string a = NewRunId().value();
  std::string b = NewRunId().value();
  EXPECT_TRUE(std::regex_match(a, std::regex("[0-9a-f]{32}")));
  EXPECT_NE(a, b);
}

TEST(StderrDenialReporter, OneLinePerDistinctCause) {
  Capture cap;
  StderrDenialReporter reporter(cap.write_fd());
  DenialEvent e{"path_open", "../x", "/srv", 0, 0, 76, "path escapes the preopen /data", ""};
  reporter.OnDenial(e);
  reporter.OnDenial(e);
  e.guest_path = "";
  e.operation = "fd_write";
  e.reason = "fd 3 lacks the fd_write right";
  reporter.OnDenial(e);
  reporter.OnUnsupported("sock_accept");
  reporter.OnUnsupported("sock_accept");
  reporter.OnProtocolViolation("ignored: the launcher reports it");
  reporter.OnDerived({});
  EXPECT_EQ(cap.Read(),
            "capsa: denied open ../x (host /srv): path escapes the preopen /data\n"
            "capsa: denied fd_write: fd 3 lacks the fd_write right\n"
            "capsa: unsupported WASI call sock_accept (the guest was told ENOSYS)\n");
}

TEST(StderrDenialReporter, EscapesControlBytesAndCapsLines) {
  Capture cap;
  StderrDenialReporter reporter(cap.write_fd());
  reporter.OnDenial({"path_open", "a\nb\x1b[2J", "", 0, 0, 2, "r", ""});
  EXPECT_EQ(cap.Read(), "capsa: denied open a\\x0ab\\x1b[2J: r\n");
  for (size_t i = 0; i < StderrDenialReporter::kMaxLines + 10; ++i) {
    // Distinct causes (the same reason for many paths is one cause).
    reporter.OnDenial({"path_open", "f", "", 0, 0, 2, "r" + std::to_string(i), ""});
  }
  std::string out = cap.Read();
  size_t lines = static_cast<size_t>(std::count(out.begin(), out.end(), '\n'));
  EXPECT_EQ(lines, StderrDenialReporter::kMaxLines);  // kMaxLines - 1 new + the notice
  EXPECT_NE(out.find("capsa: further denials are not shown (see --audit-log)\n"),
            std::string::npos);
}

class CountingSink final : public EventSink {
 public:
  void OnDenial(const DenialEvent&) override { ++count; }
  void OnDerived(const DerivedEvent&) override { ++count; }
  void OnUnsupported(const std::string&) override { ++count; }
  void OnProtocolViolation(const std::string&) override { ++count; }
  void OnGrant(const GrantEvent&) override { ++count; }
  void OnEnd(const EndEvent&) override { ++count; }
  int count = 0;
};

TEST(FanOutSink, ForwardsEveryEventToEverySink) {
  CountingSink a, b;
  FanOutSink fan({&a, nullptr, &b});
  fan.OnDenial({});
  fan.OnDerived({});
  fan.OnUnsupported("f");
  fan.OnProtocolViolation("p");
  fan.OnGrant({});
  fan.OnEnd({});
  EXPECT_EQ(a.count, 6);
  EXPECT_EQ(b.count, 6);
}

}  // namespace
}  // namespace capsa::policy
