// Policy files: valid documents, every kind of located error (table-driven),
// FormatPolicyToml round trips, flags overriding the file, deny matching, and
// the explained denial lines.
#include "policy/policy_file.h"

#include <gtest/gtest.h>

#include "policy/denial_reporter.h"
#include "policy/rules.h"
#include "policy/wasi_rights.h"

namespace capsa::policy {
namespace {

constexpr const char* kFull = R"(version = 1
args = ["-v", "x"]
env_pass = ["HOME"]
audit_log = "a.jsonl"

[env]
LANG = "C"

[[dir]]
host = "/srv/in"
guest = "/data"

[[dir]]
host = "/srv/out"
guest = "/out"
mode = "rw"

[[dir]]
host = "/srv/lib"
guest = "/lib"
rights = ["path_open", "fd_read"]

[[deny]]
path = "/data/secret/*"

[stdio]
stdin = "null"

[limits]
memory = "64M"
fuel = 1000
stack = 500
timeout = 1.5
cpu_time = 3
output = 4096
)";

TEST(PolicyFile, ParsesEveryKey) {
  Result<Policy> r = ParsePolicyToml(kFull, "p.toml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Policy& p = r.value();
  ASSERT_EQ(p.dirs.size(), 3u);
  EXPECT_EQ(p.dirs[0].mode, DirMode::kReadOnly);
  EXPECT_EQ(p.dirs[1].mode, DirMode::kReadWrite);
  EXPECT_EQ(p.dirs[2].mode, DirMode::kRights);
  EXPECT_EQ(p.dirs[2].rights, rights::kPathOpen | rights::kFdRead);
  EXPECT_EQ(p.denies.size(), 1u);
  EXPECT_EQ(p.env, (std::vector<std::string>{"LANG=C"}));
  EXPECT_EQ(p.env_pass, (std::vector<std::string>{"HOME"}));
  EXPECT_EQ(p.args, (std::vector<std::string>{"-v", "x"}));
  EXPECT_EQ(p.stdio.in, StdioMode::kNull);
  EXPECT_EQ(p.limits.max_memory_bytes, 64u << 20);
  EXPECT_EQ(p.limits.fuel, 1000u);
  EXPECT_EQ(p.limits.max_call_depth, 500u);
  EXPECT_EQ(p.limits.timeout->count(), 1500);
  EXPECT_EQ(p.limits.cpu_time_seconds, 3u);
  EXPECT_EQ(p.limits.max_output_bytes, 4096u);
  EXPECT_EQ(p.audit_log, "a.jsonl");
}

TEST(PolicyFile, FormatRoundTrips) {
  Policy p = ParsePolicyToml(kFull, "p.toml").value();
  const std::string text = FormatPolicyToml(p);
  Result<Policy> again = ParsePolicyToml(text, "show.toml");
  ASSERT_TRUE(again.ok()) << again.error().message << "\n" << text;
  EXPECT_EQ(FormatPolicyToml(again.value()), text);
}

struct BadCase {
  std::string text;
  std::string error;  // the first line of the message
};

TEST(PolicyFile, ErrorsAreLocated) {
  const std::string dir = "version = 1\n[[dir]]\nhost = \"/a\"\nguest = \"/data\"\n";
  const std::vector<BadCase> cases = {
      {"", "p.toml:1:1: error: missing \"version = 1\""},
      {"version = 2\n", "p.toml:1:11: error: unsupported policy version (this capsa reads version = 1)"},
      {"version = 1\nbogus = 3\n",
       "p.toml:2:1: error: unknown key \"bogus\" in the policy (expected one of: args, audit_log, "
       "deny, dir, env, env_pass, limits, stdio, tcplisten, version)"},
      {"version = 1\n[[dir]]\nhost = 3\n", "p.toml:3:8: error: host must be a string"},
      {dir + "mode = \"rx\"\n", "p.toml:5:8: error: unknown mode \"rx\" (use \"ro\" or \"rw\")"},
      {dir + "rights = [\"fd_read\", \"fd_fly\"]\n",
       "p.toml:5:22: error: unknown WASI right \"fd_fly\" (see capsa-policy(5) for the list)"},
      {dir + "mode = \"ro\"\nrights = [\"fd_read\"]\n",
       "p.toml:6:10: error: [[dir]] takes mode or rights, not both"},
      {dir + "[[dir]]\nhost = \"/b\"\nguest = \"/data\"\n",
       "p.toml:7:9: error: guest path \"/data\" is already granted by dir[0]"},
      {dir + "[[dir]]\nhost = \"/b\"\nguest = \"/data/sub\"\n",
       "p.toml:7:9: error: guest path \"/data/sub\" overlaps dir[0] \"/data\" (nested grants are "
       "ambiguous; use [[deny]] or one grant)"},
      {dir + "[[deny]]\npath = \"/etc/*\"\n",
       "p.toml:6:8: error: deny path \"/etc/*\" lies outside every granted directory (nothing to "
       "deny; [[deny]] must come after the [[dir]] it narrows)"},
      {dir + "[[deny]]\npath = \"/data\"\n",
       "p.toml:6:8: error: deny path \"/data\" denies the whole grant dir[0] (remove the grant "
       "instead)"},
      {dir + "[limits]\nstack_size = 3\n",
       "p.toml:6:1: error: unknown key \"stack_size\" in [limits] (expected one of: cpu_time, "
       "fuel, memory, output, stack, timeout)"},
      {"version = 1\n[limits]\nmemory = \"12Q\"\n",
       "p.toml:3:10: error: invalid --max-memory value \"12Q\": expected bytes, optionally with K, "
       "M or G"},
      {"version = 1\n[limits]\ntimeout = 0.0005\n",
       "p.toml:3:11: error: timeout must be positive seconds with at most millisecond precision"},
      {"version = 1\n[[tcplisten]]\nport = 80\n",
       "p.toml:3:1: error: unknown key \"port\" in [[tcplisten]] (expected one of: address)"},
      {"version = 1\n[env]\nA = \"1\"\n[stdio]\nstdin = \"tty\"\n",
       "p.toml:5:9: error: unknown stdin mode \"tty\" (use \"inherit\" or \"null\")"},
      {"version = 1\nenv_pass = [\"A\"]\n[env]\nA = \"1\"\n",
       "p.toml:2:13: error: A is both set in [env] and passed through by env_pass"},
      {"version = 1\nx = [\n", "p.toml:2:7: error: "},
  };
  for (const BadCase& c : cases) {
    Result<Policy> r = ParsePolicyToml(c.text, "p.toml");
    ASSERT_FALSE(r.ok()) << c.text;
    const std::string first = r.error().message.substr(0, r.error().message.find('\n'));
    EXPECT_EQ(first.substr(0, c.error.size()), c.error) << c.text;
    if (c.error.size() < 25) continue;
    EXPECT_EQ(first, c.error);
  }
}

TEST(PolicyFile, ErrorShowsTheLineWithACaret) {
  Result<Policy> r = ParsePolicyToml("version = 1\n[[dir]]\nhost = \"/a\"\nmode = \"x\"\n", "f");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "f:4:8: error: unknown mode \"x\" (use \"ro\" or \"rw\")\n  mode = \"x\"\n         ^");
}

TEST(PolicyFile, FlagsOverrideTheFile) {
  Policy file = ParsePolicyToml(kFull, "p.toml").value();
  Policy flags;
  flags.dirs.push_back({"/elsewhere", "/data", DirMode::kReadWrite, 0});
  flags.dirs.push_back({"/tmp", "/tmp", DirMode::kReadOnly, 0});
  flags.env = {"LANG=fr", "HOME=/h"};
  flags.limits.fuel = 7;
  flags.args = {"y"};
  Policy m = OverlayFlags(file, flags);
  ASSERT_EQ(m.dirs.size(), 4u);
  EXPECT_EQ(m.dirs[0].host_path, "/elsewhere");
  EXPECT_EQ(m.dirs[0].mode, DirMode::kReadWrite);
  EXPECT_EQ(m.dirs[3].guest_path, "/tmp");
  EXPECT_EQ(m.env, (std::vector<std::string>{"LANG=fr", "HOME=/h"}));
  EXPECT_TRUE(m.env_pass.empty());  // HOME is now set explicitly
  EXPECT_EQ(m.limits.fuel, 7u);
  EXPECT_EQ(m.limits.max_memory_bytes, 64u << 20);
  EXPECT_EQ(m.args, (std::vector<std::string>{"y"}));
}

TEST(DenyRules, DenyBeatsAllowAndCoversSubtrees) {
  const std::vector<DenyRule> rules = {{"/data/secret/*"}, {"/data/keys"}};
  EXPECT_EQ(MatchDenyRule(rules, "/data/secret/a"), 0u);
  EXPECT_EQ(MatchDenyRule(rules, "/data/secret/a/b"), 0u);
  EXPECT_EQ(MatchDenyRule(rules, "/data/keys"), 1u);
  EXPECT_EQ(MatchDenyRule(rules, "/data/keys/k1"), 1u);
  EXPECT_FALSE(MatchDenyRule(rules, "/data/secret").has_value());
  EXPECT_FALSE(MatchDenyRule(rules, "/data/keysX").has_value());
  EXPECT_FALSE(MatchDenyRule(rules, "/data/x").has_value());
  EXPECT_EQ(NormalizeGuestPathLexically("/data/x/../secret/./a"), "/data/secret/a");
  EXPECT_FALSE(NormalizeGuestPathLexically("a/../..").has_value());
}

TEST(DenialReporter, ExplainsEachCauseWithAHint) {
  Policy p;
  p.dirs.push_back({"/srv/in", "/data", DirMode::kReadOnly, 0});
  p.denies.push_back({"/data/secret/*"});
  RuleBook rules(p);
  StderrDenialReporter reporter(-1, &rules);
  DenialEvent write;
  write.operation = "path_open";
  write.guest_path = "/data/out.txt";
  write.host_path = "/srv/in/out.txt";
  write.rights_held = rights::kPathOpen;
  write.rights_needed = rights::kPathOpen | rights::kPathCreateFile;
  write.reason = "fd 3 lacks path_create_file";
  EXPECT_EQ(reporter.Explain(write),
            "denied create /data/out.txt (host /srv/in/out.txt): the grant for /data is "
            "read-only \u2014 grant it with --dir /srv/in::/data::rw");
  DenialEvent fdwrite = write;
  fdwrite.operation = "fd_write";
  fdwrite.rights_needed = rights::kFdWrite;
  EXPECT_EQ(reporter.Explain(fdwrite).substr(0, 31), "denied write to /data/out.txt (");
  DenialEvent escape;
  escape.operation = "path_open";
  escape.guest_path = "/data/../etc/passwd";
  escape.host_path = "/srv/in/../etc/passwd";
  escape.reason = "path escapes the preopen (.., absolute symlink or symlink out)";
  EXPECT_EQ(reporter.Explain(escape),
            "denied open /data/../etc/passwd (host /srv/in/../etc/passwd): the path escapes the "
            "preopen /data");
  DenialEvent rule = escape;
  rule.guest_path = "/data/secret/k";
  rule.rule = "deny[0] /data/secret/*";
  EXPECT_EQ(rules.RuleForDenial(rule), "deny[0] /data/secret/*");
  EXPECT_NE(reporter.Explain(rule).find("refused by the policy rule deny[0] /data/secret/*"),
            std::string::npos);
  // Two files written into the same read-only grant are one cause.
  DenialEvent other = write;
  other.guest_path = "/data/other.txt";
  EXPECT_EQ(reporter.CauseKey(write), reporter.CauseKey(other));
  EXPECT_NE(reporter.CauseKey(write), reporter.CauseKey(escape));
}

}  // namespace
}  // namespace capsa::policy
