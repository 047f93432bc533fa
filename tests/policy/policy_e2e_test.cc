// End to end with real processes: the audit log is complete for every way a
// run ends; the learn-mode round trip (broad policy -> suggest -> run again);
// `capsa --help` and man/capsa.1 list the same options and commands.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "launcher/exit_codes.h"
#include "launcher/run.h"
#include "tests/launcher/subprocess.h"

namespace capsa::launcher {
namespace {

using nlohmann::json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::vector<json> Lines(const std::string& path) {
  std::vector<json> out;
  std::istringstream in(ReadFile(path));
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line));
  return out;
}

class TempDir {
 public:
  TempDir() {
    char t[] = "/tmp/capsa_policy_e2e_XXXXXX";
    path_ = mkdtemp(t);
  }
  ~TempDir() { std::system(("rm -rf " + path_).c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

testing::ProcessResult Capsa(std::vector<std::string> args) {
  args.insert(args.begin(), CAPSA_BINARY);
  return testing::RunProcess(args);
}

// Every record carries the common fields; the last one is the end.
void ExpectCompleteLog(const std::vector<json>& lines, const std::string& end) {
  ASSERT_FALSE(lines.empty());
  for (const json& j : lines) {
    EXPECT_EQ(j["v"], 1);
    EXPECT_EQ(j["run"], lines.front()["run"]);
    EXPECT_TRUE(j.contains("time") && j.contains("decision") && j.contains("rule")) << j;
  }
  EXPECT_EQ(lines.front()["event"], "grant");
  EXPECT_EQ(lines.front()["rule"], "dir[0] /data ro");
  const json& last = lines.back();
  EXPECT_EQ(last["event"], "end");
  EXPECT_EQ(last["end"], end);
  EXPECT_TRUE(last.contains("duration_ms"));
  EXPECT_EQ(last["counts"]["grant"], 1);
}

struct Ending {
  std::string name;
  std::string module;
  std::vector<std::string> flags;
  int status;
};

TEST(AuditLogEndings, CompleteForExitTrapAndTimeout) {
  TempDir dir;
  const std::vector<Ending> endings = {
      {"exit", CAPSA_GUESTS_DIR "/hello.wasm", {}, 0},
      {"trap", CAPSA_GUESTS_DIR "/trap.wasm", {}, kExitTrap},
      {"timeout", CAPSA_GUESTS_DIR "/learn.wasm", {"--timeout", "0.3"}, kExitTimeout},
  };
  for (const Ending& e : endings) {
    SCOPED_TRACE(e.name);
    const std::string log = dir.path() + "/" + e.name + ".jsonl";
    std::vector<std::string> args = {"run", "--dir", dir.path() + "::/data", "--audit-log", log};
    args.insert(args.end(), e.flags.begin(), e.flags.end());
    args.push_back(e.module);
    if (e.name == "timeout") args.push_back("spin");
    testing::ProcessResult r = Capsa(args);
    EXPECT_EQ(r.exit_status, e.status) << r.err;
    ExpectCompleteLog(Lines(log), e.name);
  }
}

RunRequest Request(const std::string& dir, const std::string& module) {
  RunRequest r;
  r.module_path = module;
  r.policy.args = {module};
  r.policy.dirs.push_back({dir, "/data", policy::DirMode::kReadOnly, 0});
  r.audit_log_path = dir + "/audit.jsonl";
  return r;
}

TEST(AuditLogEndings, CompleteWhenTheWorkerIsKilled) {
  TempDir dir;
  RunRequest request = Request(dir.path(), CAPSA_GUESTS_DIR "/learn.wasm");
  request.policy.args.push_back("spin");
  RunHooks hooks = ProductionHooks();
  hooks.on_started = [](pid_t worker, pid_t) {
    usleep(100 * 1000);
    kill(worker, SIGKILL);
  };
  const int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  EXPECT_EQ(launcher::Run(request, hooks, devnull), kExitWorkerCrash);
  close(devnull);
  ExpectCompleteLog(Lines(request.audit_log_path), "worker_crash");
}

TEST(AuditLogEndings, CompleteOnSandboxViolation) {
  TempDir dir;
  RunRequest request = Request(dir.path(), "/proc/self/exe");
  RunHooks hooks = ProductionHooks();
  hooks.worker = [](const WorkerContext&) { return open("/etc/passwd", O_RDONLY) >= 0 ? 80 : 81; };
  const int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  EXPECT_EQ(launcher::Run(request, hooks, devnull), kExitSandboxViolation);
  close(devnull);
  const std::vector<json> lines = Lines(request.audit_log_path);
  ExpectCompleteLog(lines, "sandbox_violation");
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[lines.size() - 2]["event"], "sandbox_violation");
  EXPECT_EQ(lines.back()["counts"]["sandbox_violation"], 1);
}

// Broad policy -> audit log -> suggest -> run under the suggestion.
TEST(LearnMode, RoundTripGrantsStrictlyLessWithSameOutput) {
  TempDir dir;
  const std::string srv = dir.path() + "/srv";
  ASSERT_EQ(std::system(("mkdir -p " + srv + "/in/secret " + srv + "/out " + dir.path() +
                         "/unused")
                            .c_str()),
            0);
  WriteFile(srv + "/in/a.txt", "round trip\n");
  WriteFile(srv + "/in/secret/key", "k\n");
  WriteFile(dir.path() + "/broad.toml", "version = 1\n[[dir]]\nhost = \"" + srv +
                                            "\"\nguest = \"/data\"\nmode = \"rw\"\n[[dir]]\nhost = \"" +
                                            dir.path() + "/unused\"\nguest = \"/unused\"\n"
                                            "[[deny]]\npath = \"/data/in/secret\"\n");
  const std::string guest = CAPSA_GUESTS_DIR "/learn.wasm";
  const std::string log1 = dir.path() + "/run1.jsonl";
  testing::ProcessResult first =
      Capsa({"run", "--policy", dir.path() + "/broad.toml", "--audit-log", log1, guest});
  ASSERT_EQ(first.exit_status, 0) << first.err;
  EXPECT_EQ(first.out, "read: round trip\nwrote /data/out/b.txt\n");

  testing::ProcessResult suggested = Capsa({"suggest", log1});
  ASSERT_EQ(suggested.exit_status, 0) << suggested.err;
  const std::string narrow = dir.path() + "/narrow.toml";
  WriteFile(narrow, suggested.out);
  EXPECT_EQ(Capsa({"policy", "check", narrow}).exit_status, 0) << suggested.out;

  const std::string log2 = dir.path() + "/run2.jsonl";
  testing::ProcessResult second = Capsa({"run", "--policy", narrow, "--audit-log", log2, guest});
  ASSERT_EQ(second.exit_status, 0) << second.err << suggested.out;
  EXPECT_EQ(second.out, first.out);
  EXPECT_EQ(second.err, "");
  size_t denials = 0;
  std::set<std::pair<std::string, std::string>> grants2;  // (guest, mode)
  for (const json& j : Lines(log2)) {
    if (j["event"] == "denial") ++denials;
    if (j["event"] == "grant") {
      grants2.insert({j["guest_path"].get<std::string>(), j["mode"].get<std::string>()});
    }
  }
  EXPECT_EQ(denials, 0u);
  // Strictly less: /unused dropped, /data narrowed to /data/in (ro) and /data/out (rw).
  EXPECT_EQ(grants2, (std::set<std::pair<std::string, std::string>>{{"/data/in", "ro"},
                                                                     {"/data/out", "rw"}}));
  // The deny rule inside a kept grant stays: the secret is still refused.
  testing::ProcessResult secret = Capsa({"run", "--policy", narrow, guest, "secret"});
  EXPECT_NE(secret.out.find("secret: refused"), std::string::npos) << secret.out;
  EXPECT_NE(secret.err.find("refused by the policy rule deny[0] /data/in/secret"),
            std::string::npos)
      << secret.err;
}

TEST(LearnMode, LogsGroupsDenialsAndListsUnusedGrants) {
  TempDir dir;
  ASSERT_EQ(std::system(("mkdir -p " + dir.path() + "/in " + dir.path() + "/unused").c_str()), 0);
  WriteFile(dir.path() + "/in/a.txt", "x\n");
  const std::string log = dir.path() + "/a.jsonl";
  testing::ProcessResult r =
      Capsa({"run", "--dir", dir.path() + "::/data", "--dir", dir.path() + "/unused::/u",
             "--audit-log", log, CAPSA_GUESTS_DIR "/learn.wasm"});
  EXPECT_EQ(r.exit_status, 2);  // learn exits 2: /data/out/b.txt cannot be created
  EXPECT_NE(r.err.find("capsa: denied create /data/out/b.txt (host " + dir.path() +
                       "/out/b.txt): the grant for /data is read-only \u2014 grant it with --dir " +
                       dir.path() + "::/data::rw\n"),
            std::string::npos)
      << r.err;
  testing::ProcessResult logs = Capsa({"logs", "--json", log});
  ASSERT_EQ(logs.exit_status, 0) << logs.err;
  json j = json::parse(logs.out);
  ASSERT_EQ(j["denials"].size(), 1u);
  EXPECT_EQ(j["denials"][0]["cause"], "missing_rights");
  EXPECT_EQ(j["denials"][0]["rule"], "dir[0] /data ro");
  ASSERT_EQ(j["unused_grants"].size(), 1u);
  EXPECT_EQ(j["unused_grants"][0]["rule"], "dir[1] /u ro");
}

std::set<std::string> Flags(const std::string& text) {
  std::set<std::string> out;
  static const std::regex kFlag("(^|[ ,\\[])(--[a-z][a-z-]*)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kFlag); it != std::sregex_iterator();
       ++it) {
    out.insert((*it)[2]);
  }
  return out;
}

// The option list of `capsa --help`, `capsa run --help` and the tools' usage
// equals the OPTIONS section of man/capsa.1; the sub-commands equal COMMANDS.
// Deny beats allow for two-path operations too: the denied file cannot be
// renamed or linked out of its subtree, and neither can an ancestor of it
// (which would carry the subtree to a name no rule covers).
TEST(DenyRules, RenameAndLinkCannotCarryDeniedPathsOut) {
  TempDir dir;
  const std::string srv = dir.path() + "/srv";
  ASSERT_EQ(std::system(("mkdir -p " + srv + "/in/secret " + srv + "/out").c_str()), 0);
  WriteFile(srv + "/in/secret/key", "k\n");
  WriteFile(srv + "/in/plain", "p\n");
  WriteFile(dir.path() + "/p.toml", "version = 1\n[[dir]]\nhost = \"" + srv +
                                        "\"\nguest = \"/data\"\nmode = \"rw\"\n"
                                        "[[deny]]\npath = \"/data/in/secret\"\n");
  const std::string guest = CAPSA_GUESTS_DIR "/move_probe.wasm";
  const std::string policy = dir.path() + "/p.toml";
  struct Attack {
    std::string op, from, to;
  };
  const std::vector<Attack> attacks = {
      {"rename", "/data/in/secret/key", "/data/out/key"},
      {"link", "/data/in/secret/key", "/data/out/key"},
      {"rename", "/data/in", "/data/moved"},
      {"rename", "/data/in/secret", "/data/out/s"},
      {"rename", "/data/out", "/data/in/secret/x"},
  };
  for (const Attack& a : attacks) {
    testing::ProcessResult r = Capsa({"run", "--policy", policy, guest, a.op, a.from, a.to});
    EXPECT_EQ(r.exit_status, 1) << a.op << " " << a.from << " " << a.to << ": " << r.out << r.err;
    EXPECT_EQ(r.out, a.op + " EACCES\n") << a.from << " -> " << a.to;
    EXPECT_NE(r.err.find("deny[0] /data/in/secret"), std::string::npos) << r.err;
  }
  EXPECT_EQ(ReadFile(srv + "/in/secret/key"), "k\n");
  EXPECT_FALSE(std::ifstream(srv + "/out/key").good());
  EXPECT_FALSE(std::ifstream(srv + "/moved/secret/key").good());
  // A rename that touches no denied path still works.
  testing::ProcessResult ok =
      Capsa({"run", "--policy", policy, guest, "rename", "/data/in/plain", "/data/out/plain"});
  EXPECT_EQ(ok.exit_status, 0) << ok.err;
  EXPECT_EQ(ReadFile(srv + "/out/plain"), "p\n");
}

TEST(ManPage, OptionsAndCommandsMatchHelp) {
  std::set<std::string> help;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"run", "--help"}, {"logs", "--help"}}) {
    testing::ProcessResult r = Capsa(args);
    ASSERT_EQ(r.exit_status, 0);
    for (const std::string& f : Flags(r.out)) help.insert(f);
  }
  const std::string man = ReadFile(CAPSA_MAN_DIR "/capsa.1");
  const size_t opts = man.find(".SH OPTIONS");
  const size_t next = man.find(".SH ", opts + 1);
  ASSERT_NE(opts, std::string::npos);
  std::set<std::string> documented;
  std::istringstream section(man.substr(opts, next - opts));
  std::string line;
  static const std::regex kManFlag("^\\.BR? \\\\-\\\\-([a-z\\\\-]+)");
  while (std::getline(section, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, kManFlag)) continue;
    std::string name = "--" + std::regex_replace(m[1].str(), std::regex("\\\\-"), "-");
    documented.insert(name);
  }
  EXPECT_EQ(help, documented);

  testing::ProcessResult top = Capsa({"--help"});
  std::set<std::string> commands;
  static const std::regex kCommand("\\n  ([a-z]+) {2,}");
  for (auto it = std::sregex_iterator(top.out.begin(), top.out.end(), kCommand);
       it != std::sregex_iterator(); ++it) {
    commands.insert((*it)[1]);
  }
  const size_t cmds = man.find(".SH COMMANDS");
  const std::string cmd_section = man.substr(cmds, man.find(".SH ", cmds + 1) - cmds);
  for (const std::string& c : commands) {
    EXPECT_NE(cmd_section.find(".B " + c), std::string::npos) << c << " is not in COMMANDS";
  }
  EXPECT_EQ(commands.size(), 6u);
}

}  // namespace
}  // namespace capsa::launcher
