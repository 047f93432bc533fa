// WASI imports called from wasm code (WAT modules in tests/e2e/wat) through
// the real LoadModule / Instantiate / Invoke, with a FakeHost.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>
#include <variant>
#include <vector>

#include "engine/runtime.h"
#include "engine/wasi/wasi_imports.h"
#include "tests/e2e/fake_host.h"

#ifndef CAPSA_WASI_WAT_DIR
#error "CAPSA_WASI_WAT_DIR must name the folder holding the assembled WAT modules"
#endif

namespace capsa::wasi_test {
namespace {

using engine::Value;

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

class WasiWatTest : public ::testing::Test {
 protected:
  // Loads and instantiates CAPSA_WASI_WAT_DIR/<name>.wasm against the FakeHost.
  void Load(const std::string& name) {
    const std::vector<uint8_t> bytes =
        ReadFile(std::string(CAPSA_WASI_WAT_DIR) + "/" + name + ".wasm");
    ASSERT_FALSE(bytes.empty()) << name;
    auto module = engine::LoadModule(bytes);
    ASSERT_TRUE(module.ok()) << module.error().message;
    wasi::DefineWasiImports(linker_, host_);
    engine::InstantiateOutcome outcome =
        engine::Instantiate(std::move(module).value(), linker_, engine::InstanceOptions{});
    ASSERT_FALSE(outcome.error.has_value()) << outcome.error->message;
    ASSERT_FALSE(outcome.trap.has_value()) << outcome.trap->message;
    instance_ = std::move(outcome.instance);
    if (!instance_->memories.empty())
      host_.set_memory(instance_->memories[0].get());
    host_.AddFd(open("/dev/null", O_RDONLY | O_CLOEXEC), wasi::FileType::kCharacterDevice);
    host_.AddFd(memfd_create("stdout", MFD_CLOEXEC), wasi::FileType::kRegularFile);
  }

  std::variant<std::vector<Value>, engine::Trap> Run(const char* export_name,
                                                     std::vector<Value> args = {}) {
    engine::FunctionInstance* f = instance_->FindExportedFunction(export_name);
    EXPECT_NE(f, nullptr) << export_name;
    if (f == nullptr)
      return engine::Trap{};
    return engine::Invoke(*f, args);
  }

  // Runs an export returning one i32; a trap fails the test.
  uint32_t RunI32(const char* export_name) {
    auto result = Run(export_name);
    if (auto* trap = std::get_if<engine::Trap>(&result)) {
      ADD_FAILURE() << export_name << " trapped: " << trap->message;
      return ~0u;
    }
    auto& values = std::get<std::vector<Value>>(result);
    EXPECT_EQ(values.size(), 1u);
    return values.empty() ? ~0u : values[0].i32;
  }

  FakeHost host_{{"wasi_calls.wasm", "one", "two"}, {}};
  engine::Linker linker_;
  std::unique_ptr<engine::Instance> instance_;
};

TEST_F(WasiWatTest, FdWriteWithTwoIovecs) {
  Load("wasi_calls");
  EXPECT_EQ(RunI32("write_two"), 13u);
  EXPECT_EQ(ReadAll(host_.HostFd(1)), "hello, world\n");
}

TEST_F(WasiWatTest, BadPointersAreEfaultNotTraps) {
  Load("wasi_calls");
  EXPECT_EQ(RunI32("bad_iovec_array"), 21u);
  EXPECT_EQ(RunI32("bad_result_ptr"), 21u);
  EXPECT_EQ(ReadAll(host_.HostFd(1)), "");
}

TEST_F(WasiWatTest, ArgsAndI64Parameters) {
  Load("wasi_calls");
  EXPECT_EQ(RunI32("argc"), 3u);
  EXPECT_EQ(RunI32("bad_clock"), 28u);
}

TEST_F(WasiWatTest, ProcExitPropagatesItsCode) {
  Load("wasi_calls");
  auto result = Run("exit", {engine::I32(42)});
  auto* trap = std::get_if<engine::Trap>(&result);
  ASSERT_NE(trap, nullptr);
  EXPECT_EQ(trap->kind, engine::TrapKind::kExit);
  EXPECT_EQ(trap->exit_code, 42u);
}

TEST_F(WasiWatTest, ModuleWithoutMemoryGetsEfault) {
  Load("wasi_no_memory");
  EXPECT_EQ(RunI32("write"), 21u);
}

}  // namespace
}  // namespace capsa::wasi_test
