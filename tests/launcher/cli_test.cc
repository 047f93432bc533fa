// The command line: what reaches the RunRequest, what is refused, and the
// exact messages.
#include "launcher/cli.h"

#include <gtest/gtest.h>

namespace capsa::launcher {
namespace {

using Action = CliOutcome::Action;

CliOutcome Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "capsa");
  return ParseCommandLine(args);
}

TEST(Cli, RunWithEveryOption) {
  CliOutcome r = Parse({"run", "--dir", "/srv/in::/in", "--dir=/srv/out::/out::rw", "--env",
                        "A=1", "--env", "B=x=y", "--audit-log", "/tmp/a.jsonl", "--max-memory",
                        "16M", "--fuel", "1000", "--timeout", "2.5", "m.wasm", "x", "y"});
  ASSERT_EQ(r.action, Action::kRun) << r.text;
  const RunRequest& req = r.request;
  EXPECT_EQ(req.module_path, "m.wasm");
  EXPECT_EQ(req.policy.args, (std::vector<std::string>{"m.wasm", "x", "y"}));
  ASSERT_EQ(req.policy.dirs.size(), 2u);
  EXPECT_EQ(req.policy.dirs[0].guest_path, "/in");
  EXPECT_EQ(req.policy.dirs[0].mode, policy::DirMode::kReadOnly);
  EXPECT_EQ(req.policy.dirs[1].host_path, "/srv/out");
  EXPECT_EQ(req.policy.dirs[1].mode, policy::DirMode::kReadWrite);
  EXPECT_EQ(req.policy.env, (std::vector<std::string>{"A=1", "B=x=y"}));
  EXPECT_EQ(req.audit_log_path, "/tmp/a.jsonl");
  EXPECT_EQ(req.policy.limits.max_memory_bytes, 16u << 20);
  EXPECT_EQ(req.policy.limits.fuel, 1000u);
  ASSERT_TRUE(req.policy.limits.timeout.has_value());
  EXPECT_EQ(req.policy.limits.timeout->count(), 2500);
}

TEST(Cli, EverythingAfterModuleBelongsToTheGuest) {
  CliOutcome r = Parse({"run", "--env", "A=1", "m.wasm", "--dir", "/etc", "-h", "--help", "--",
                        "--version", "--env", "B=2"});
  ASSERT_EQ(r.action, Action::kRun) << r.text;
  EXPECT_EQ(r.request.policy.args,
            (std::vector<std::string>{"m.wasm", "--dir", "/etc", "-h", "--help", "--", "--version",
                                      "--env", "B=2"}));
  EXPECT_TRUE(r.request.policy.dirs.empty());
  EXPECT_EQ(r.request.policy.env, (std::vector<std::string>{"A=1"}));
  EXPECT_FALSE(r.request.policy.limits.timeout.has_value());
}

TEST(Cli, MinimalRunHasNoGrants) {
  CliOutcome r = Parse({"run", "m.wasm"});
  ASSERT_EQ(r.action, Action::kRun);
  EXPECT_TRUE(r.request.policy.dirs.empty());
  EXPECT_TRUE(r.request.policy.env.empty());
  EXPECT_TRUE(r.request.audit_log_path.empty());
  EXPECT_FALSE(r.request.policy.limits.fuel.has_value());
}

struct Bad {
  std::vector<std::string> args;
  std::string text;
};

TEST(Cli, ErrorsHaveExactMessages) {
  const std::vector<Bad> cases = {
      {{"run", "--bogus", "m.wasm"}, "unknown option --bogus (see 'capsa run --help')"},
      {{"run", "-x", "m.wasm"}, "unknown option -x (see 'capsa run --help')"},
      {{"run"}, "missing MODULE (see 'capsa run --help')"},
      {{"run", "--env", "A=1"}, "missing MODULE (see 'capsa run --help')"},
      {{"run", "--dir", "/h::ro", "m.wasm"},
       "invalid --dir value \"/h::ro\": a mode needs a guest path (write HOST::GUEST::ro)"},
      {{"run", "--dir", "/a::/d", "--dir", "/b::/d", "m.wasm"},
       "invalid --dir value \"/b::/d\": guest path \"/d\" is already granted"},
      {{"run", "--env", "NOEQUALS", "m.wasm"},
       "invalid --env value \"NOEQUALS\": expected NAME=VALUE"},
      {{"run", "--timeout", "soon", "m.wasm"},
       "invalid --timeout value \"soon\": expected seconds, e.g. 10 or 1.5"},
      {{"run", "--fuel", "0", "m.wasm"}, "invalid --fuel value \"0\": must be greater than 0"},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.args.size() > 1 ? c.args[1] : c.args[0]);
    CliOutcome r = Parse(c.args);
    EXPECT_EQ(r.action, Action::kError);
    EXPECT_EQ(r.text, c.text);
  }
}

TEST(Cli, CliElevenErrorsAreUsageErrors) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {}, {"--bogus"}, {"frobnicate"}, {"run", "--dir"}, {"run", "--audit-log"}}) {
    CliOutcome r = Parse(args);
    EXPECT_EQ(r.action, Action::kError) << (args.empty() ? "(none)" : args.back());
    EXPECT_NE(r.text.find("(see 'capsa run --help')"), std::string::npos) << r.text;
  }
}

TEST(Cli, HelpAndVersion) {
  CliOutcome v = Parse({"--version"});
  ASSERT_EQ(v.action, Action::kPrint);
  EXPECT_EQ(v.text, "capsa " CAPSA_TEST_VERSION "\n");

  CliOutcome h = Parse({"--help"});
  ASSERT_EQ(h.action, Action::kPrint);
  EXPECT_NE(h.text.find("run"), std::string::npos);

  CliOutcome rh = Parse({"run", "--help"});
  ASSERT_EQ(rh.action, Action::kPrint);
  for (const char* word : {"--dir", "--env", "--audit-log", "--max-memory", "--fuel", "--timeout",
                           "HOST[::GUEST][::ro|rw]", "MODULE [ARGS...]"}) {
    EXPECT_NE(rh.text.find(word), std::string::npos) << word << " missing from:\n" << rh.text;
  }
}

}  // namespace
}  // namespace capsa::launcher
