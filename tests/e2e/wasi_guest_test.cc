// The C guests of tests/guests run in-process (engine + WASI layer + FakeHost,
// no broker, no sandbox): isolates engine/WASI bugs from launcher/broker ones.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/runtime.h"
#include "engine/wasi/wasi_imports.h"
#include "tests/e2e/fake_host.h"

#if !defined(CAPSA_GUEST_DIR) || !defined(CAPSA_COMPUTE_NATIVE)
#error "CMake passes CAPSA_GUEST_DIR and CAPSA_COMPUTE_NATIVE"
#endif

namespace capsa::wasi_test {
namespace {

struct GuestRun {
  std::optional<engine::Trap> trap;  // unset: _start returned normally
  std::string out;
  std::string err;
};

// Instantiates tests/guests/<name> with a FakeHost and runs _start.
GuestRun RunGuest(const std::string& name,
                  std::vector<std::string> args,
                  std::vector<std::string> env = {}) {
  GuestRun run;
  std::ifstream in(std::string(CAPSA_GUEST_DIR) + "/" + name, std::ios::binary);
  const std::vector<uint8_t> bytes(std::istreambuf_iterator<char>(in), {});
  auto module = engine::LoadModule(bytes);
  if (!module.ok()) {
    ADD_FAILURE() << name << ": " << module.error().message;
    return run;
  }
  args.insert(args.begin(), name);
  FakeHost host(std::move(args), std::move(env));
  host.AddFd(open("/dev/null", O_RDONLY | O_CLOEXEC), wasi::FileType::kCharacterDevice);
  host.AddFd(memfd_create("stdout", MFD_CLOEXEC), wasi::FileType::kRegularFile);
  host.AddFd(memfd_create("stderr", MFD_CLOEXEC), wasi::FileType::kRegularFile);
  engine::Linker linker;
  wasi::DefineWasiImports(linker, host);
  engine::InstantiateOutcome outcome =
      engine::Instantiate(std::move(module).value(), linker, engine::InstanceOptions{});
  if (outcome.error || outcome.trap) {
    ADD_FAILURE() << name << ": instantiation failed";
    return run;
  }
  host.set_memory(outcome.instance->memories.at(0).get());
  engine::FunctionInstance* start = outcome.instance->FindExportedFunction("_start");
  if (start == nullptr) {
    ADD_FAILURE() << name << ": no _start";
    return run;
  }
  auto result = engine::Invoke(*start, {});
  if (auto* trap = std::get_if<engine::Trap>(&result))
    run.trap = std::move(*trap);
  run.out = ReadAll(host.HostFd(1));
  run.err = ReadAll(host.HostFd(2));
  return run;
}

// Exit status of a run: 0 for a normal return, the code for proc_exit, -1 for a trap.
int64_t ExitStatus(const GuestRun& run) {
  if (!run.trap)
    return 0;
  return run.trap->kind == engine::TrapKind::kExit ? int64_t{run.trap->exit_code} : -1;
}

TEST(WasiGuestTest, Hello) {
  GuestRun run = RunGuest("hello.wasm", {"a", "b"});
  EXPECT_EQ(ExitStatus(run), 0);
  EXPECT_EQ(run.out, "hello from capsa\nargc=3\n");
}

TEST(WasiGuestTest, ArgsAndEnviron) {
  GuestRun run = RunGuest("args_env.wasm", {"x", "y z"}, {"FOO=bar", "EMPTY="});
  EXPECT_EQ(ExitStatus(run), 0);
  EXPECT_EQ(run.out,
            "argv[0]=args_env.wasm\nargv[1]=x\nargv[2]=y z\nenv: FOO=bar\nenv: EMPTY=\nenvc=2\n");
}

TEST(WasiGuestTest, ComputeMatchesNative) {
  std::string native;
  FILE* pipe = popen(CAPSA_COMPUTE_NATIVE, "r");
  ASSERT_NE(pipe, nullptr);
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;)
    native.append(buf, n);
  ASSERT_EQ(pclose(pipe), 0);
  for (const char* guest : {"compute_O0.wasm", "compute_O2.wasm"}) {
    GuestRun run = RunGuest(guest, {});
    EXPECT_EQ(ExitStatus(run), 0) << guest << (run.trap ? run.trap->message : "");
    EXPECT_EQ(run.out, native) << guest;
  }
}

TEST(WasiGuestTest, Ackermann) {
  for (const char* guest : {"ackermann_O0.wasm", "ackermann_O2.wasm"}) {
    GuestRun run = RunGuest(guest, {});
    EXPECT_EQ(ExitStatus(run), 0) << guest << (run.trap ? run.trap->message : "");
    EXPECT_EQ(run.out, "ackermann(2, 2000) = 4003\n") << guest;
  }
}

TEST(WasiGuestTest, RunawayRecursionExhaustsTheCallStack) {
  GuestRun run = RunGuest("runaway.wasm", {});
  ASSERT_TRUE(run.trap.has_value());
  EXPECT_EQ(run.trap->kind, engine::TrapKind::kCallStackExhausted) << run.trap->message;
  EXPECT_EQ(run.out, "recursing\n");
}

TEST(WasiGuestTest, TrapNamesTheFunction) {
  GuestRun run = RunGuest("trap.wasm", {});
  ASSERT_TRUE(run.trap.has_value());
  EXPECT_EQ(run.trap->kind, engine::TrapKind::kUnreachable);
  ASSERT_FALSE(run.trap->backtrace.empty());
  EXPECT_EQ(run.trap->backtrace.front(), "explode_here");
}

TEST(WasiGuestTest, ExitCodes) {
  EXPECT_EQ(ExitStatus(RunGuest("exit_code.wasm", {"42"})), 42);
  EXPECT_EQ(ExitStatus(RunGuest("exit_code.wasm", {"0"})), 0);
  EXPECT_EQ(ExitStatus(RunGuest("exit7.wasm", {})), 7);
}

}  // namespace
}  // namespace capsa::wasi_test
