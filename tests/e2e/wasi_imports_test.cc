// The guest-side WASI layer called directly: signatures, argument checking,
// bad pointers, args/environ layout, fd_write/fd_read, path_open.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "tests/e2e/wasi_fixture.h"

namespace capsa::wasi_test {
namespace {

std::string Signature(const engine::FuncType& type) {
  std::string s;
  for (engine::ValType t : type.params)
    s += t == engine::ValType::kI64 ? 'I' : 'i';
  s += "->";
  for (engine::ValType t : type.results)
    s += t == engine::ValType::kI64 ? 'I' : 'i';
  return s;
}

// Every wasi_snapshot_preview1 function with its wasm signature, as compiled
// by clang from wasi-libc's <wasi/api.h> (the witx ABI); proc_raise from the witx.
const std::map<std::string, std::string> kWitxSignatures = {
    {"args_get", "ii->i"},
    {"args_sizes_get", "ii->i"},
    {"environ_get", "ii->i"},
    {"environ_sizes_get", "ii->i"},
    {"clock_res_get", "ii->i"},
    {"clock_time_get", "iIi->i"},
    {"fd_advise", "iIIi->i"},
    {"fd_allocate", "iII->i"},
    {"fd_close", "i->i"},
    {"fd_datasync", "i->i"},
    {"fd_fdstat_get", "ii->i"},
    {"fd_fdstat_set_flags", "ii->i"},
    {"fd_fdstat_set_rights", "iII->i"},
    {"fd_filestat_get", "ii->i"},
    {"fd_filestat_set_size", "iI->i"},
    {"fd_filestat_set_times", "iIIi->i"},
    {"fd_pread", "iiiIi->i"},
    {"fd_prestat_get", "ii->i"},
    {"fd_prestat_dir_name", "iii->i"},
    {"fd_pwrite", "iiiIi->i"},
    {"fd_read", "iiii->i"},
    {"fd_readdir", "iiiIi->i"},
    {"fd_renumber", "ii->i"},
    {"fd_seek", "iIii->i"},
    {"fd_sync", "i->i"},
    {"fd_tell", "ii->i"},
    {"fd_write", "iiii->i"},
    {"path_create_directory", "iii->i"},
    {"path_filestat_get", "iiiii->i"},
    {"path_filestat_set_times", "iiiiIIi->i"},
    {"path_link", "iiiiiii->i"},
    {"path_open", "iiiiiIIii->i"},
    {"path_readlink", "iiiiii->i"},
    {"path_remove_directory", "iii->i"},
    {"path_rename", "iiiiii->i"},
    {"path_symlink", "iiiii->i"},
    {"path_unlink_file", "iii->i"},
    {"poll_oneoff", "iiii->i"},
    {"proc_exit", "i->"},
    {"proc_raise", "i->i"},
    {"sched_yield", "->i"},
    {"random_get", "ii->i"},
    {"sock_accept", "iii->i"},
    {"sock_recv", "iiiiii->i"},
    {"sock_send", "iiiii->i"},
    {"sock_shutdown", "ii->i"},
};

using WasiImportsTest = WasiFixture;

TEST_F(WasiImportsTest, DefinesEveryPreview1FunctionWithItsWitxSignature) {
  EXPECT_EQ(kWitxSignatures.size(), 46u);
  for (const auto& [name, signature] : kWitxSignatures) {
    engine::FunctionInstance* f = Function(name.c_str());
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(Signature(f->type), signature) << name;
    EXPECT_TRUE(static_cast<bool>(f->host)) << name;
  }
}

TEST_F(WasiImportsTest, ArgsAndEnvironLayout) {
  ASSERT_EQ(Call("args_sizes_get", {I32(100), I32(104)}), 0u);
  EXPECT_EQ(U32At(100), 3u);
  EXPECT_EQ(U32At(104), 10u);  // "prog\0a\0bc\0"
  ASSERT_EQ(Call("args_get", {I32(200), I32(300)}), 0u);
  EXPECT_EQ(U32At(200), 300u);
  EXPECT_EQ(U32At(204), 305u);
  EXPECT_EQ(U32At(208), 307u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(Mem(300)), 10), std::string("prog\0a\0bc\0", 10));

  ASSERT_EQ(Call("environ_sizes_get", {I32(100), I32(104)}), 0u);
  EXPECT_EQ(U32At(100), 2u);
  EXPECT_EQ(U32At(104), 11u);  // "K=V\0EMPTY=\0"
  ASSERT_EQ(Call("environ_get", {I32(400), I32(500)}), 0u);
  EXPECT_EQ(U32At(400), 500u);
  EXPECT_EQ(U32At(404), 504u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(Mem(500)), 11), std::string("K=V\0EMPTY=\0", 11));
}

TEST_F(WasiImportsTest, ArgsBadPointersAreEfault) {
  const uint32_t fault = E(Errno::kFault);
  EXPECT_EQ(Call("args_sizes_get", {I32(kMemSize - 2), I32(0)}), fault);
  EXPECT_EQ(Call("args_sizes_get", {I32(0), I32(0xFFFFFFFF)}), fault);
  EXPECT_EQ(Call("args_get", {I32(kMemSize - 8), I32(0)}), fault);  // 3 pointers = 12 bytes
  EXPECT_EQ(Call("args_get", {I32(0), I32(kMemSize - 9)}), fault);  // 10 string bytes
  EXPECT_EQ(Call("args_get", {I32(0xFFFFFFFC), I32(0)}), fault);    // no 32-bit wrap
  EXPECT_EQ(Call("environ_get", {I32(0), I32(0xFFFFFFFF)}), fault);
  EXPECT_EQ(Call("args_get", {I32(0), I32(kMemSize - 10)}), 0u);  // exactly fits
}

TEST_F(WasiImportsTest, FdWriteGathersMultipleIovecs) {
  const uint32_t a = PutString(1000, "hello ");
  const uint32_t b = PutString(2000, "wasi ");
  const uint32_t c = PutString(3000, "world\n");
  const uint32_t iovs[] = {1000, a, 1500, 0, 2000, b, 3000, c};
  std::memcpy(Mem(64), iovs, sizeof iovs);
  ASSERT_EQ(Call("fd_write", {I32(kStdout), I32(64), I32(4), I32(32)}), 0u);
  EXPECT_EQ(U32At(32), a + b + c);
  EXPECT_EQ(Stdout(), "hello wasi world\n");
}

TEST_F(WasiImportsTest, FdWriteBadPointersFaultBeforeTheHost) {
  const uint32_t fault = E(Errno::kFault);
  PutString(1000, "x");
  const uint32_t good[] = {1000, 1};
  std::memcpy(Mem(64), good, sizeof good);
  const int calls = host_.host_calls();
  // The iovec array itself out of bounds, or wrapping past 2^32.
  EXPECT_EQ(Call("fd_write", {I32(kStdout), I32(kMemSize - 4), I32(1), I32(32)}), fault);
  EXPECT_EQ(Call("fd_write", {I32(kStdout), I32(0xFFFFFFF8), I32(2), I32(32)}), fault);
  // A buffer out of bounds; a buffer whose end wraps.
  const uint32_t bad[] = {kMemSize - 2, 4, 0xFFFFFFF0, 0x20};
  std::memcpy(Mem(128), bad, sizeof bad);
  EXPECT_EQ(Call("fd_write", {I32(kStdout), I32(128), I32(1), I32(32)}), fault);
  EXPECT_EQ(Call("fd_write", {I32(kStdout), I32(136), I32(1), I32(32)}), fault);
  // The result pointer out of bounds: nothing may be written.
  EXPECT_EQ(Call("fd_write", {I32(kStdout), I32(64), I32(1), I32(kMemSize - 3)}), fault);
  EXPECT_EQ(Call("fd_read", {I32(0), I32(64), I32(1), I32(0xFFFFFFFF)}), fault);
  EXPECT_EQ(Call("fd_pwrite", {I32(kStdout), I32(64), I32(1), I64(0), I32(kMemSize)}), fault);
  // Too many iovecs.
  EXPECT_EQ(Call("fd_write", {I32(kStdout), I32(64), I32(1025), I32(32)}), E(Errno::kInval));
  // No memory at all.
  EXPECT_EQ(Call("fd_write", {I32(kStdout), I32(64), I32(1), I32(32)}, false), fault);
  EXPECT_EQ(Call("args_sizes_get", {I32(0), I32(4)}, false), fault);
  EXPECT_EQ(host_.host_calls(), calls);
  EXPECT_EQ(Stdout(), "");
}

TEST_F(WasiImportsTest, EnumArgumentsAreValidatedBeforeTheHost) {
  const int calls = host_.host_calls();
  const uint32_t inval = E(Errno::kInval);
  EXPECT_EQ(Call("fd_seek", {I32(kStdout), I64(0), I32(3), I32(0)}), inval);
  EXPECT_EQ(Call("clock_time_get", {I32(4), I64(0), I32(0)}), inval);
  EXPECT_EQ(Call("clock_res_get", {I32(0x80000000), I32(0)}), inval);
  EXPECT_EQ(Call("fd_advise", {I32(kStdout), I64(0), I64(0), I32(6)}), inval);
  EXPECT_EQ(Call("fd_fdstat_set_flags", {I32(kStdout), I32(0x20)}), inval);
  EXPECT_EQ(Call("fd_filestat_set_times", {I32(kStdout), I64(0), I64(0), I32(3)}), inval);
  EXPECT_EQ(Call("poll_oneoff", {I32(0), I32(512), I32(0), I32(8)}), inval);
  EXPECT_EQ(host_.host_calls(), calls);
}

TEST_F(WasiImportsTest, FdSeekTellAndPread) {
  PutString(1000, "0123456789");
  const uint32_t iov[] = {1000, 10};
  std::memcpy(Mem(64), iov, sizeof iov);
  ASSERT_EQ(Call("fd_write", {I32(kStdout), I32(64), I32(1), I32(32)}), 0u);
  ASSERT_EQ(Call("fd_seek", {I32(kStdout), I64(static_cast<uint64_t>(-4)), I32(2), I32(40)}), 0u);
  EXPECT_EQ(U64At(40), 6u);
  ASSERT_EQ(Call("fd_tell", {I32(kStdout), I32(48)}), 0u);
  EXPECT_EQ(U64At(48), 6u);
  const uint32_t read_iov[] = {2000, 3};
  std::memcpy(Mem(80), read_iov, sizeof read_iov);
  ASSERT_EQ(Call("fd_pread", {I32(kStdout), I32(80), I32(1), I64(2), I32(56)}), 0u);
  EXPECT_EQ(U32At(56), 3u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(Mem(2000)), 3), "234");
  EXPECT_EQ(Call("fd_seek", {I32(99), I64(0), I32(0), I32(40)}), E(Errno::kBadf));
}

TEST_F(WasiImportsTest, PathOpenChecksTheResultPointerBeforeOpening) {
  const uint32_t len = PutString(1000, "created.txt");
  const uint64_t rights = wasi::right::kFdRead | wasi::right::kFdWrite;
  EXPECT_EQ(Call("path_open", {I32(kPreopen), I32(0), I32(1000), I32(len), I32(wasi::oflag::kCreat),
                               I64(rights), I64(0), I32(0), I32(kMemSize - 2)}),
            E(Errno::kFault));
  EXPECT_FALSE(std::filesystem::exists(root_ + "/created.txt"));

  ASSERT_EQ(Call("path_open", {I32(kPreopen), I32(0), I32(1000), I32(len), I32(wasi::oflag::kCreat),
                               I64(rights), I64(0), I32(0), I32(16)}),
            0u);
  EXPECT_TRUE(std::filesystem::exists(root_ + "/created.txt"));
  EXPECT_EQ(U32At(16), 4u);
  EXPECT_EQ(Call("fd_close", {I32(4)}), 0u);
  EXPECT_EQ(Call("fd_close", {I32(4)}), E(Errno::kBadf));
}

TEST_F(WasiImportsTest, PathsAreLengthCheckedAndCopiedWhole) {
  const int calls = host_.host_calls();
  std::string long_path(4097, 'a');
  std::memcpy(Mem(1000), long_path.data(), long_path.size());
  EXPECT_EQ(Call("path_open", {I32(kPreopen), I32(0), I32(1000), I32(4097), I32(0), I64(0), I64(0),
                               I32(0), I32(16)}),
            E(Errno::kNametoolong));
  EXPECT_EQ(Call("path_unlink_file", {I32(kPreopen), I32(kMemSize - 3), I32(4)}), E(Errno::kFault));
  EXPECT_EQ(Call("path_create_directory", {I32(kPreopen), I32(0xFFFFFFFF), I32(2)}),
            E(Errno::kFault));
  PutString(1000, std::string("dir\0x", 5));
  EXPECT_EQ(Call("path_create_directory", {I32(kPreopen), I32(1000), I32(5)}), E(Errno::kInval));
  EXPECT_EQ(Call("path_open", {I32(kPreopen), I32(2), I32(1000), I32(3), I32(0), I64(0), I64(0),
                               I32(0), I32(16)}),
            E(Errno::kInval));  // unknown lookup flag
  EXPECT_EQ(host_.host_calls(), calls);

  EXPECT_EQ(Call("path_create_directory", {I32(kPreopen), I32(1000), I32(3)}), 0u);
  EXPECT_TRUE(std::filesystem::is_directory(root_ + "/dir"));
  EXPECT_EQ(Call("path_remove_directory", {I32(kPreopen), I32(1000), I32(3)}), 0u);
  EXPECT_FALSE(std::filesystem::exists(root_ + "/dir"));
}

TEST_F(WasiImportsTest, ProcExitUnwindsWithItsCode) {
  engine::FunctionInstance* f = Function("proc_exit");
  ASSERT_NE(f, nullptr);
  engine::CallContext ctx{nullptr, memory_.get()};
  std::vector<Value> args = {I32(7)};
  auto trap = f->host(ctx, args, {});
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->kind, engine::TrapKind::kExit);
  EXPECT_EQ(trap->exit_code, 7u);
}

TEST_F(WasiImportsTest, ProcRaiseTraps) {
  engine::FunctionInstance* f = Function("proc_raise");
  ASSERT_NE(f, nullptr);
  engine::CallContext ctx{nullptr, memory_.get()};
  std::vector<Value> args = {I32(6)};
  std::vector<Value> results(1);
  auto trap = f->host(ctx, args, results);
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->kind, engine::TrapKind::kHostError);
  EXPECT_EQ(trap->message, "proc_raise(6)");
  EXPECT_TRUE(host_.unsupported_calls().empty());
}

TEST_F(WasiImportsTest, UnimplementedFunctionsReportThroughTheHost) {
  const uint32_t nosys = E(Errno::kNosys);
  EXPECT_EQ(Call("sock_send", {I32(0), I32(0), I32(0), I32(0), I32(0)}), nosys);
  EXPECT_EQ(Call("fd_renumber", {I32(1), I32(2)}), nosys);
  PutString(1000, "a");
  EXPECT_EQ(Call("path_symlink", {I32(1000), I32(1), I32(kPreopen), I32(1000), I32(1)}), nosys);
  EXPECT_EQ(host_.unsupported_calls(),
            (std::vector<std::string>{"sock_send", "fd_renumber", "path_symlink"}));
}

TEST_F(WasiImportsTest, ErrnoNames) {
  EXPECT_STREQ(wasi::ErrnoName(Errno::kSuccess), "ESUCCESS");
  EXPECT_STREQ(wasi::ErrnoName(Errno::kFault), "EFAULT");
  EXPECT_STREQ(wasi::ErrnoName(Errno::k2big), "E2BIG");
  EXPECT_STREQ(wasi::ErrnoName(Errno::kAcces), "EACCES");
  EXPECT_STREQ(wasi::ErrnoName(Errno::kNotcapable), "ENOTCAPABLE");
  EXPECT_STREQ(wasi::ErrnoName(static_cast<Errno>(77)), "E?");
}

}  // namespace
}  // namespace capsa::wasi_test
