// End-to-end: the real `capsa` binary runs the C guests of tests/guests as a
// subprocess, with temporary directories as preopens.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "tests/e2e/subprocess.h"

#if !defined(CAPSA_BIN) || !defined(CAPSA_GUEST_DIR) || !defined(CAPSA_COMPUTE_NATIVE)
#error "CMake passes CAPSA_BIN, CAPSA_GUEST_DIR and CAPSA_COMPUTE_NATIVE"
#endif

namespace capsa::e2e {
namespace {

namespace fs = std::filesystem;

// capsa's documented exit statuses (launcher/exit_codes.h, capsa(1)).
constexpr int kTrapExit = 134;
constexpr int kUsageExit = 2;
constexpr int kGuestStatusOutOfRangeExit = 125;
constexpr int kModuleRejectedExit = 163;
constexpr const char* kSecretVar = "CAPSA_E2E_SECRET";
constexpr const char* kSecretValue = "must-not-leak-7f3a";

std::string Guest(const std::string& name) {
  return std::string(CAPSA_GUEST_DIR) + "/" + name;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (char& c : s)
    c = static_cast<char>(gen() & 0xFF);
  return s;
}

int LineCount(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

std::string Lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Every entry beneath `root`: relative path -> file contents (or "<dir>", or
// "<link>target"), so a whole tree can be compared before and after a run.
std::map<std::string, std::string> Snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const std::string rel = fs::relative(e.path(), root).string();
    if (e.is_symlink()) {
      out[rel] = "<link>" + fs::read_symlink(e.path()).string();
    } else if (e.is_directory()) {
      out[rel] = "<dir>";
    } else {
      out[rel] = ReadFile(e.path());
    }
  }
  return out;
}

class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/capsa-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    // Set in the test's own environment: a guest must never see it.
    setenv(kSecretVar, kSecretValue, 1);
  }
  void TearDown() override { fs::remove_all(root_); }

  // `capsa run <args...>` with this process's whole environment (secret included).
  ProcessResult Capsa(std::vector<std::string> args) {
    args.insert(args.begin(), {CAPSA_BIN, "run"});
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e)
      env.emplace_back(*e);
    return RunProcess(args, env);
  }

  fs::path root_;
};

#define EXPECT_EXIT_CODE(result, code)                                                         \
  do {                                                                                         \
    ASSERT_TRUE((result).exited) << "signal " << (result).signal << (result).timed_out << "\n" \
                                 << (result).err;                                              \
    EXPECT_EQ((result).exit_code, (code)) << "stderr: " << (result).err;                       \
  } while (0)

TEST_F(E2eTest, Hello) {
  ProcessResult r = Capsa({Guest("hello.wasm")});
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_EQ(r.out, "hello from capsa\nargc=1\n");
  r = Capsa({Guest("hello.wasm"), "a", "b c"});
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_EQ(r.out, "hello from capsa\nargc=3\n");
}

TEST_F(E2eTest, OnlyGrantedEnvironmentReachesTheGuest) {
  ProcessResult r =
      Capsa({"--env", "FOO=bar", "--env", "EMPTY=", Guest("args_env.wasm"), "x", "y z", "--env"});
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_NE(r.out.find("argv[1]=x\nargv[2]=y z\nargv[3]=--env\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("env: FOO=bar\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("env: EMPTY=\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("envc=2\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(kSecretValue), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("PATH="), std::string::npos) << r.out;
}

TEST_F(E2eTest, CopyFromReadOnlyToReadWritePreopen) {
  fs::create_directories(root_ / "in");
  fs::create_directories(root_ / "out");
  const std::string data = RandomBytes(300000, 1);
  WriteFile(root_ / "in" / "a.txt", data);
  ProcessResult r = Capsa({"--dir", (root_ / "in").string() + "::/in", "--dir",
                           (root_ / "out").string() + "::/out::rw", Guest("copy.wasm"), "/in/a.txt",
                           "/out/a.txt"});
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_EQ(r.out, "copied 300000 bytes\n");
  EXPECT_TRUE(ReadFile(root_ / "out" / "a.txt") == data) << "copied bytes differ";
}

TEST_F(E2eTest, CopyIntoReadOnlyPreopenFails) {
  fs::create_directories(root_ / "in");
  WriteFile(root_ / "in" / "a.txt", "abc");
  ProcessResult r = Capsa(
      {"--dir", (root_ / "in").string() + "::/in", Guest("copy.wasm"), "/in/a.txt", "/in/b.txt"});
  EXPECT_EXIT_CODE(r, 1);
  EXPECT_FALSE(fs::exists(root_ / "in" / "b.txt"));
}

TEST_F(E2eTest, DenialsLeaveTheFileSystemUnchanged) {
  fs::create_directories(root_ / "in");
  WriteFile(root_ / "in" / "data.txt", "inside");
  WriteFile(root_ / "escape.txt", "sentinel outside the preopen");
  fs::create_symlink(root_ / "escape.txt", root_ / "in" / "link_out");
  const auto before = Snapshot(root_);
  ProcessResult r = Capsa({"--dir", (root_ / "in").string() + "::/in", Guest("deny.wasm")});
  EXPECT_EXIT_CODE(r, 0);
  for (const char* what : {"write /in/x: refused", "fopen /etc/passwd: refused",
                           "open /in/../escape.txt: refused", "open /in/link_out: refused"}) {
    EXPECT_NE(r.out.find(what), std::string::npos) << what << "\n" << r.out;
  }
  EXPECT_EQ(r.out.find("ALLOWED"), std::string::npos) << r.out;
  EXPECT_EQ(Snapshot(root_), before);
}

TEST_F(E2eTest, ComputeMatchesNativeAtO0AndO2) {
  ProcessResult native = RunProcess({CAPSA_COMPUTE_NATIVE}, {});
  EXPECT_EXIT_CODE(native, 0);
  ASSERT_EQ(LineCount(native.out), 8) << native.out;
  for (const char* guest : {"compute_O0.wasm", "compute_O2.wasm"}) {
    ProcessResult r = Capsa({Guest(guest)});
    EXPECT_EXIT_CODE(r, 0);
    EXPECT_EQ(r.out, native.out) << guest;
  }
}

TEST_F(E2eTest, DeepRecursion) {
  for (const char* guest : {"ackermann_O0.wasm", "ackermann_O2.wasm"}) {
    ProcessResult r = Capsa({Guest(guest)});
    EXPECT_EXIT_CODE(r, 0);
    EXPECT_EQ(r.out, "ackermann(2, 2000) = 4003\n") << guest;
  }
}

TEST_F(E2eTest, RunawayRecursionTrapsCleanly) {
  ProcessResult r = Capsa({Guest("runaway.wasm")});
  EXPECT_EXIT_CODE(r, kTrapExit);
  EXPECT_EQ(r.out, "recursing\n");
  // One trap line, then a bounded backtrace (32 frames and "... N more frames").
  EXPECT_LE(LineCount(r.err), 1 + 32 + 1) << r.err;
  EXPECT_NE(Lower(r.err.substr(0, r.err.find('\n'))).find("stack"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" more frames\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\ncapsa:   at "), std::string::npos) << r.err;
}

TEST_F(E2eTest, TrapPrintsABacktraceWithFunctionNames) {
  // trap.c: main → level_one → level_two → explode_here, which traps.
  ProcessResult r = Capsa({Guest("trap.wasm")});
  EXPECT_EXIT_CODE(r, kTrapExit);
  EXPECT_EQ(r.out, "about to trap\n");
  // run.cc's PrintLine prefixes every line of a message with "capsa: ".
  EXPECT_EQ(r.err.rfind(
                "capsa: trap: unreachable in function explode_here\n"
                "capsa:   at explode_here\n"
                "capsa:   at level_two\n"
                "capsa:   at level_one\n"
                "capsa:   at main\n",
                0),
            0u)
      << r.err;
  // The outer frames are wasi-libc's (__main_void, _start, ...), named too.
  EXPECT_NE(r.err.find("capsa:   at _start\n"), std::string::npos) << r.err;
}

TEST_F(E2eTest, MissingModuleIsAUsageError) {
  ProcessResult r = Capsa({(root_ / "no-such-module.wasm").string()});
  EXPECT_EXIT_CODE(r, kUsageExit);
  EXPECT_FALSE(r.err.empty());
}

TEST_F(E2eTest, MalformedModulesAreRejectedCleanly) {
  WriteFile(root_ / "random.wasm", RandomBytes(4096, 2));
  WriteFile(root_ / "truncated.wasm", std::string("\0asm\1\0\0\0\1\x05", 10));
  WriteFile(root_ / "empty.wasm", "");
  for (const char* name : {"random.wasm", "truncated.wasm", "empty.wasm"}) {
    ProcessResult r = Capsa({(root_ / name).string()});
    ASSERT_TRUE(r.exited) << name << " signal " << r.signal;
    EXPECT_EQ(r.exit_code, kModuleRejectedExit) << name << "\n" << r.err;
    EXPECT_NE(r.err.find("invalid module"), std::string::npos) << name << "\n" << r.err;
    EXPECT_EQ(LineCount(r.err), 1) << name << "\n" << r.err;
  }
}

TEST_F(E2eTest, ProcExitCodesPropagate) {
  for (int code : {0, 1, 7, 42, 125}) {
    ProcessResult r = Capsa({Guest("exit_code.wasm"), std::to_string(code)});
    EXPECT_EXIT_CODE(r, code);
  }
  // 126 and up would collide with capsa's own statuses (launcher/exit_codes.h).
  for (const char* code : {"126", "255", "4096"}) {
    ProcessResult r = Capsa({Guest("exit_code.wasm"), code});
    EXPECT_EXIT_CODE(r, kGuestStatusOutOfRangeExit);
    EXPECT_NE(r.err.find("out of range"), std::string::npos) << r.err;
  }
  ProcessResult r = Capsa({Guest("exit7.wasm")});
  EXPECT_EXIT_CODE(r, 7);
  EXPECT_TRUE(r.err.empty()) << r.err;
}

}  // namespace
}  // namespace capsa::e2e

namespace capsa::e2e {
namespace {

// tests/guests/fsops.c: the rest of preview1 (readdir, rename, link, symlink,
// readlink, times, sizes, renumber, poll_oneoff, errno edge cases, rights
// denials) through the real broker; each line the guest prints is checked, and
// then the effects on the host's disk.
TEST_F(E2eTest, DirectoryAndFileOpsHaveTheirEffects) {
  fs::create_directories(root_ / "d");
  WriteFile(root_ / "outside.txt", "sentinel");
  ProcessResult r = Capsa({"--dir", (root_ / "d").string() + "::/d::rw", Guest("fsops.wasm")});
  EXPECT_EXIT_CODE(r, 0);
  const char* const kExpected[] = {
      "rename a.txt sub/b.txt: OK", "link sub/b.txt c.txt: OK", "symlink sub/b.txt s: OK",
      "readlink s: OK 'sub/b.txt'", "readlink s short: OK 'sub'", "unlink gone: OK",
      "readdir(512): . .. c.txt s sub (one call)", "readdir(40): . .. c.txt s sub (resumed)",
      "readdir cut: exact prefix at every length", "readdir past memory: EFAULT",
      "set times c.txt: OK", "times c.txt: OK atim_ok=1 mtim_ok=1 nlink=2",
      "fd times: mtim_ok=1 atim_kept=1", "size: 3", "renumber: OK",
      "renumbered content: 'hel'", "old number closed: EBADF",
      "poll clock: OK events=1 userdata=42 slept_enough=1", "poll abstime past: OK events=1",
      "poll stdout write: OK events=1 type=2 error=0",
      "open file with trailing slash: ENOTDIR", "open file O_DIRECTORY: ENOTDIR",
      "open dir O_DIRECTORY for writing: EISDIR",
      "open ../x: ENOTCAPABLE", "rmdir non-empty: ENOTEMPTY", "unlink a directory: EISDIR",
      "rename out: ENOTCAPABLE", "rename file/: ENOTDIR", "rename .: EBUSY",
      "symlink absolute: ENOTCAPABLE", "symlink exists: EEXIST", "link follow: EINVAL",
      "link to dir: EPERM", "readlink not a link: EINVAL", "readdir on a file: ENOTDIR",
      "open list-only: OK", "denied rename: ENOTCAPABLE", "denied rename target: ENOTCAPABLE",
      "denied link: ENOTCAPABLE", "denied link target: ENOTCAPABLE",
      "denied symlink: ENOTCAPABLE", "denied readlink: ENOTCAPABLE",
      "denied set times: ENOTCAPABLE", "denied unlink: ENOTCAPABLE",
      "denied trunc: ENOTCAPABLE", "denied add rights: ENOTCAPABLE",
      "open read-only child: OK", "denied set size: ENOTCAPABLE",
      "denied fd set times: ENOTCAPABLE", "denied allocate: ENOTCAPABLE",
      "denied write: ENOTCAPABLE", "drop rights: OK", "denied readdir: ENOTCAPABLE",
      "open append-only: OK", "denied clear append: ENOTCAPABLE", "set times t.txt: OK",
      "readdir changing: terminated",
  };
  for (const char* line : kExpected) {
    EXPECT_NE(r.out.find(std::string(line) + "\n"), std::string::npos) << line << "\n" << r.out;
  }
  // Effects on disk: the rename moved the file, the hard link shares its inode,
  // the symlink holds its relative target, the unlinked file is gone, the
  // truncation and times landed, and nothing denied changed anything.
  const fs::path d = root_ / "d";
  EXPECT_FALSE(fs::exists(d / "a.txt"));
  EXPECT_EQ(ReadFile(d / "sub" / "b.txt"), "hel");
  EXPECT_EQ(fs::hard_link_count(d / "c.txt"), 2u);
  EXPECT_TRUE(fs::equivalent(d / "c.txt", d / "sub" / "b.txt"));
  ASSERT_TRUE(fs::is_symlink(d / "s"));
  EXPECT_EQ(fs::read_symlink(d / "s").string(), "sub/b.txt");
  EXPECT_FALSE(fs::exists(d / "gone"));
  struct stat st {};
  ASSERT_EQ(stat((d / "t.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_atim.tv_sec, 3000);
  EXPECT_EQ(st.st_atim.tv_nsec, 9);
  EXPECT_EQ(st.st_mtim.tv_sec, 4000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 11);
  for (const char* absent : {"abs", "dot", "d.txt", "l2", "sub2", "r.txt", "l.txt", "y"}) {
    EXPECT_FALSE(fs::exists(fs::symlink_status(d / absent))) << absent;
  }
  EXPECT_FALSE(fs::exists(root_ / "out"));
  EXPECT_EQ(ReadFile(root_ / "outside.txt"), "sentinel");
  EXPECT_EQ(ReadFile(d / "sub" / "keep"), "k");
}

}  // namespace
}  // namespace capsa::e2e
