// A fixture that calls the WASI host functions directly (no interpreter):
// one page of linear memory, a FakeHost with stdin/stdout/stderr and a
// preopened temporary directory "/tmp-root" as fd 3.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "engine/runtime.h"
#include "engine/wasi/wasi_imports.h"
#include "tests/e2e/fake_host.h"

namespace capsa::wasi_test {

using engine::I32;
using engine::I64;
using engine::Value;
using wasi::Errno;

class WasiFixture : public ::testing::Test {
 protected:
  static constexpr wasi::Fd kStdout = 1;
  static constexpr wasi::Fd kPreopen = 3;

  void SetUp() override {
    engine::MemoryType type;
    type.limits.min = 1;
    type.limits.max = 1;
    auto memory = engine::LinearMemory::Create(type);
    ASSERT_TRUE(memory.ok()) << memory.error().message;
    memory_ = std::move(memory).value();
    host_.set_memory(memory_.get());
    wasi::DefineWasiImports(linker_, host_);

    ASSERT_EQ(
        host_.AddFd(open("/dev/null", O_RDONLY | O_CLOEXEC), wasi::FileType::kCharacterDevice), 0u);
    ASSERT_EQ(host_.AddFd(memfd_create("stdout", MFD_CLOEXEC), wasi::FileType::kRegularFile),
              kStdout);
    ASSERT_EQ(host_.AddFd(memfd_create("stderr", MFD_CLOEXEC), wasi::FileType::kRegularFile), 2u);
    char tmpl[] = "/tmp/capsa-wasi-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    ASSERT_EQ(host_.AddPreopen(open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC), "/tmp-root"),
              kPreopen);
  }

  void TearDown() override {
    if (!root_.empty())
      std::filesystem::remove_all(root_);
  }

  // Calls import `name` with the caller's memory (or none); returns the i32
  // result (an errno). A trap fails the test.
  uint32_t Call(const char* name, std::initializer_list<Value> args, bool with_memory = true) {
    engine::FunctionInstance* f = Function(name);
    if (f == nullptr)
      return ~0u;
    std::vector<Value> results(f->type.results.size());
    engine::CallContext ctx{nullptr, with_memory ? memory_.get() : nullptr};
    auto trap = f->host(ctx, std::vector<Value>(args), results);
    EXPECT_FALSE(trap.has_value()) << name << " trapped: " << trap->message;
    return results.empty() ? 0 : results[0].i32;
  }

  engine::FunctionInstance* Function(const char* name) {
    const engine::Extern* e = linker_.Find(wasi::kModuleName, name);
    EXPECT_NE(e, nullptr) << name;
    return e == nullptr ? nullptr : e->func.get();
  }

  uint8_t* Mem(uint32_t offset) { return memory_->data() + offset; }
  uint32_t U32At(uint32_t offset) {
    uint32_t v;
    std::memcpy(&v, Mem(offset), 4);
    return v;
  }
  uint64_t U64At(uint32_t offset) {
    uint64_t v;
    std::memcpy(&v, Mem(offset), 8);
    return v;
  }
  void PutU32At(uint32_t offset, uint32_t v) { std::memcpy(Mem(offset), &v, 4); }
  void PutU64At(uint32_t offset, uint64_t v) { std::memcpy(Mem(offset), &v, 8); }
  // Copies `s` into memory at `offset` and returns its length.
  uint32_t PutString(uint32_t offset, const std::string& s) {
    std::memcpy(Mem(offset), s.data(), s.size());
    return static_cast<uint32_t>(s.size());
  }
  std::string Stdout() { return ReadAll(host_.HostFd(kStdout)); }

  static uint32_t E(Errno e) { return static_cast<uint32_t>(e); }
  static constexpr uint32_t kMemSize = 65536;

  FakeHost host_{{"prog", "a", "bc"}, {"K=V", "EMPTY="}};
  engine::Linker linker_;
  std::shared_ptr<engine::LinearMemory> memory_;
  std::string root_;
};

}  // namespace capsa::wasi_test
