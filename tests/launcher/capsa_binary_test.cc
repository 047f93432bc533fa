// The shipped `capsa` binary end to end with a real guest (guests/probe.c):
// exit statuses, stderr lines, grants.
#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "launcher/exit_codes.h"
#include "tests/launcher/subprocess.h"

namespace capsa::launcher {
namespace {

using testing::ProcessResult;

ProcessResult Capsa(std::vector<std::string> args) {
  args.insert(args.begin(), CAPSA_BINARY);
  return testing::RunProcess(args);
}

const std::string kProbe = CAPSA_PROBE_WASM;

TEST(CapsaBinary, VersionAndHelp) {
  ProcessResult v = Capsa({"--version"});
  EXPECT_EQ(v.exit_status, 0);
  EXPECT_EQ(v.out, "capsa " CAPSA_TEST_VERSION "\n");
  ProcessResult h = Capsa({"run", "--help"});
  EXPECT_EQ(h.exit_status, 0);
  EXPECT_NE(h.out.find("--dir"), std::string::npos);
}

// The shipped image keeps what the static link must not cost: it is position
// independent (ET_DYN, so the kernel loads it at a random address), its
// relocated data is read-only after start (PT_GNU_RELRO, DF_1_NOW) and its
// stack is not executable; a static PIE also has no interpreter.
TEST(CapsaBinary, ImageIsPositionIndependentWithFullRelro) {
  std::ifstream in(CAPSA_BINARY, std::ios::binary);
  // Reads `n` bytes at `offset` (the image carries debug info: only headers).
  auto read_at = [&in](uint64_t offset, void* out, size_t n) {
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(static_cast<char*>(out), static_cast<std::streamsize>(n));
    return static_cast<size_t>(in.gcount()) == n;
  };
  Elf64_Ehdr eh;
  ASSERT_TRUE(read_at(0, &eh, sizeof eh));
  ASSERT_EQ(std::memcmp(eh.e_ident, ELFMAG, SELFMAG), 0);
  EXPECT_EQ(eh.e_type, ET_DYN) << "not a PIE: loaded at a fixed address";
  bool interp = false, relro = false, exec_stack = true;
  uint64_t flags_1 = 0;
  for (int i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    ASSERT_TRUE(read_at(eh.e_phoff + i * sizeof(Elf64_Phdr), &ph, sizeof ph));
    if (ph.p_type == PT_INTERP) interp = true;
    if (ph.p_type == PT_GNU_RELRO) relro = true;
    if (ph.p_type == PT_GNU_STACK) exec_stack = (ph.p_flags & PF_X) != 0;
    if (ph.p_type != PT_DYNAMIC) continue;
    for (uint64_t at = 0; at + sizeof(Elf64_Dyn) <= ph.p_filesz; at += sizeof(Elf64_Dyn)) {
      Elf64_Dyn d;
      ASSERT_TRUE(read_at(ph.p_offset + at, &d, sizeof d));
      if (d.d_tag == DT_FLAGS_1) flags_1 = d.d_un.d_val;
    }
  }
  EXPECT_TRUE(relro);
  EXPECT_NE(flags_1 & DF_1_NOW, 0u) << "lazy binding: the GOT stays writable";
  EXPECT_FALSE(exec_stack);
#if CAPSA_TEST_STATIC_PIE
  EXPECT_FALSE(interp) << "built with CAPSA_STATIC_PIE but has a dynamic loader";
#else
  EXPECT_TRUE(interp);
#endif
}

TEST(CapsaBinary, UsageErrorsExitTwo) {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"run", "--bogus", kProbe}, "capsa: unknown option --bogus (see 'capsa run --help')\n"},
      {{"run"}, "capsa: missing MODULE (see 'capsa run --help')\n"},
      {{"run", "/nonexistent.wasm"},
       "capsa: cannot read module /nonexistent.wasm: No such file or directory\n"},
      {{"run", "--dir", "/nonexistent-dir", kProbe},
       "capsa: cannot open --dir /nonexistent-dir: No such file or directory\n"},
      {{"run", "--env", "=x", kProbe}, "capsa: invalid --env value \"=x\": the name is empty\n"},
  };
  for (const Case& c : cases) {
    ProcessResult r = Capsa(c.args);
    EXPECT_EQ(r.exit_status, kExitUsage) << c.err;
    EXPECT_EQ(r.err, c.err);
    EXPECT_EQ(r.out, "");
  }
}

TEST(CapsaBinary, GuestExitStatusesAndTraps) {
  ProcessResult ok = Capsa({"run", kProbe, "print", "hello"});
  EXPECT_EQ(ok.exit_status, 0);
  EXPECT_EQ(ok.out, "hello\n");
  EXPECT_EQ(ok.err, "");

  ProcessResult seven = Capsa({"run", kProbe, "exit", "7"});
  EXPECT_EQ(seven.exit_status, 7);
  EXPECT_EQ(seven.err, "");

  ProcessResult big = Capsa({"run", kProbe, "exit", "200"});
  EXPECT_EQ(big.exit_status, kExitGuestStatusOutOfRange);
  EXPECT_EQ(big.err, "capsa: guest exit status 200 is out of range\n");

  ProcessResult trap = Capsa({"run", kProbe, "trap"});
  EXPECT_EQ(trap.exit_status, kExitTrap);
  EXPECT_EQ(trap.err.rfind("capsa: trap: unreachable", 0), 0u) << trap.err;
}

TEST(CapsaBinary, LimitsAreEnforced) {
  ProcessResult fuel = Capsa({"run", "--fuel", "10", kProbe, "print", "hi"});
  EXPECT_EQ(fuel.exit_status, kExitTrap);
  EXPECT_EQ(fuel.err.rfind("capsa: trap: all fuel consumed in function ", 0), 0u) << fuel.err;
  EXPECT_EQ(fuel.out, "");

  ProcessResult enough = Capsa({"run", "--fuel", "100000", kProbe, "print", "hi"});
  EXPECT_EQ(enough.exit_status, 0);
  EXPECT_EQ(enough.out, "hi\n");

  ProcessResult memory = Capsa({"run", "--max-memory", "64K", kProbe, "print", "hi"});
  EXPECT_EQ(memory.exit_status, kExitModuleRejected);
  EXPECT_NE(memory.err.find("exceeds the limit of 1 pages"), std::string::npos) << memory.err;
}

// --max-stack N caps wasm call nesting in frames (policy/flag_parse.h).
TEST(CapsaBinary, MaxStackBoundsRecursion) {
  // Runaway recursion (a billion levels) under a small limit: a clean trap.
  ProcessResult runaway = Capsa({"run", "--max-stack", "1000", kProbe, "recurse", "1000000000"});
  EXPECT_EQ(runaway.exit_status, kExitTrap);
  EXPECT_EQ(runaway.err.rfind("capsa: trap: call stack exhausted", 0), 0u) << runaway.err;
  EXPECT_EQ(runaway.out, "");

  // 200,000 levels: beyond the default (50,000 frames), within a raised limit.
  ProcessResult deep_default = Capsa({"run", kProbe, "recurse", "200000"});
  EXPECT_EQ(deep_default.exit_status, kExitTrap);
  ProcessResult deep = Capsa({"run", "--max-stack", "300000", kProbe, "recurse", "200000"});
  EXPECT_EQ(deep.exit_status, 0) << deep.err;
  EXPECT_EQ(deep.out.rfind("recurse 200000=", 0), 0u) << deep.out;

  ProcessResult zero = Capsa({"run", "--max-stack", "0", kProbe});
  EXPECT_EQ(zero.exit_status, kExitUsage);
  EXPECT_NE(zero.err.find("invalid --max-stack value \"0\""), std::string::npos) << zero.err;
}

// Supervision limits end runs with their own codes; what the guest wrote
// (and was acknowledged) before the end still reaches stdout.
TEST(CapsaBinary, SupervisionLimitsEndRunsCleanly) {
  ProcessResult timeout = Capsa({"run", "--timeout", "0.5", kProbe, "print", "MARK", "spin"});
  EXPECT_EQ(timeout.exit_status, kExitTimeout);
  EXPECT_EQ(timeout.exit_status, 124);
  EXPECT_EQ(timeout.out, "MARK\n");
  EXPECT_EQ(timeout.err, "capsa: timeout: the run exceeded 500 ms\n");

  ProcessResult cpu = Capsa({"run", "--cpu-time", "1", kProbe, "print", "MARK", "spin"});
  EXPECT_EQ(cpu.exit_status, kExitCpuTimeLimit);
  EXPECT_EQ(cpu.out, "MARK\n");
  EXPECT_EQ(cpu.err, "capsa: cpu time limit: the worker used more than 1 s of CPU time\n");

  ProcessResult flood = Capsa({"run", "--max-output", "10000", kProbe, "flood"});
  EXPECT_EQ(flood.exit_status, kExitOutputLimit);
  EXPECT_EQ(flood.out.size(), 10000u);
  EXPECT_EQ(flood.out.rfind("line 0\nline 1\n", 0), 0u);
  EXPECT_EQ(flood.err,
            "capsa: output limit: the guest wrote more than 10000 bytes to stdout and stderr\n");

  ProcessResult memory = Capsa({"run", "--max-memory", "64K", kProbe, "print", "hi"});
  EXPECT_EQ(memory.exit_status, kExitModuleRejected);
}

TEST(CapsaBinary, DoctorAndExplain) {
  ProcessResult doctor = Capsa({"doctor"});
  EXPECT_EQ(doctor.exit_status, 0);
  EXPECT_NE(doctor.out.find("seccomp filter mode"), std::string::npos) << doctor.out;
  EXPECT_NE(doctor.out.find("Landlock"), std::string::npos);
  EXPECT_NE(doctor.out.find("openat2"), std::string::npos);
  EXPECT_NE(doctor.out.find("namespaces"), std::string::npos);

  ProcessResult explain = Capsa({"run", "--explain", "--dir", "/tmp::/t", "--env", "SECRET=v",
                                 "--cpu-time", "3", kProbe, "print", "hi"});
  EXPECT_EQ(explain.exit_status, 0);
  EXPECT_EQ(explain.out, "hi\n");
  EXPECT_NE(explain.err.find("worker layers: "), std::string::npos) << explain.err;
  EXPECT_NE(explain.err.find("broker layers: "), std::string::npos);
  EXPECT_NE(explain.err.find("grant: fd 3 /t -> /tmp ro (rights base 0x"), std::string::npos);
  EXPECT_NE(explain.err.find("grant: env {SECRET}"), std::string::npos);
  EXPECT_EQ(explain.err.find("=v"), std::string::npos);  // names only, never values
  EXPECT_NE(explain.err.find("cpu time 3 s"), std::string::npos);
}

TEST(CapsaBinary, InvalidModule) {
  char path[] = "/tmp/capsa_bad_module_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "\0asm\x02\0\0\0", 8), 8);
  close(fd);
  ProcessResult r = Capsa({"run", path});
  unlink(path);
  EXPECT_EQ(r.exit_status, kExitModuleRejected);
  EXPECT_EQ(r.err.rfind("capsa: invalid module: ", 0), 0u) << r.err;
}

TEST(CapsaBinary, GuestArgsAndEnv) {
  ProcessResult r = Capsa({"run", "--env", "A=1", kProbe, "args", "--dir", "/etc", "env", "A",
                           "env", "HOME"});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.out, "8\n" + kProbe + "\nargs\n--dir\n/etc\nenv\nA\nenv\nHOME\nA=1\nHOME=(unset)\n");
}

TEST(CapsaBinary, DirGrantsAreEnforced) {
  char dir[] = "/tmp/capsa_dir_test_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string d = dir;
  std::ofstream(d + "/in.txt") << "content\n";
  const std::string log = d + "/audit.jsonl";

  ProcessResult ro = Capsa({"run", "--dir", d + "::/data", "--audit-log", log, kProbe, "cat",
                            "/data/in.txt", "write", "/data/new.txt", "cat", "/data/../x"});
  EXPECT_EQ(ro.exit_status, 0);
  EXPECT_EQ(ro.out, "content\n");
  EXPECT_NE(ro.err.find("write: /data/new.txt: "), std::string::npos) << ro.err;
  EXPECT_NE(ro.err.find("capsa: denied "), std::string::npos) << ro.err;
  EXPECT_NE(access((d + "/new.txt").c_str(), F_OK), 0);
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"event\":\"grant\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"guest_path\":\"/data\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"event\":\"denial\""), std::string::npos);
  EXPECT_NE(text.find("\"end\":\"exit\""), std::string::npos);

  ProcessResult rw = Capsa({"run", "--dir", d + "::/data::rw", kProbe, "write", "/data/new.txt"});
  EXPECT_EQ(rw.exit_status, 0) << rw.err;
  EXPECT_EQ(access((d + "/new.txt").c_str(), F_OK), 0);
  std::system(("rm -rf " + d).c_str());
}

}  // namespace
}  // namespace capsa::launcher
