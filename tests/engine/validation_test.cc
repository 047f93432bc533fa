// Module-level validation: one row per spec error class, plus the declared
// function references the compiler relies on.
#include "engine/module_validator.h"

#include <gtest/gtest.h>

#include "engine/decoder.h"
#include "tests/engine/front_test_util.h"

namespace capsa::engine {
namespace {

using testing::Bytes;
using testing::Cat;
using testing::EmptyBodies;
using testing::FuncSec;
using testing::I32Const;
using testing::kTypeI32ToVoid;
using testing::kTypeVoid;
using testing::Sec;
using testing::Str;
using testing::TypeSec;
using testing::Vec;
using testing::Wasm;

Result<void> DecodeAndValidate(const Bytes& bytes, Module* out = nullptr) {
  TRY_ASSIGN(Module m, DecodeModule(bytes));
  TRY(ValidateModule(m));
  if (out)
    *out = std::move(m);
  return {};
}

struct InvalidCase {
  const char* name;
  Bytes bytes;
  const char* message;
};

const Bytes kOneFunc = Cat({TypeSec({kTypeVoid}), FuncSec({{0x00}})});
const Bytes kTable = Sec(4, Vec({{0x70, 0x00, 0x01}}));
const Bytes kMem = Sec(5, Vec({{0x00, 0x01}}));
Bytes Import(const char* name, const Bytes& desc) {
  return Cat({Str("env"), Str(name), desc});
}
Bytes Global(uint8_t type, uint8_t mut, const Bytes& init) {
  return Cat({{type, mut}, init});
}
Bytes Export(const char* name, uint8_t kind, uint8_t index) {
  return Cat({Str(name), {kind, index}});
}

std::vector<InvalidCase> InvalidCases() {
  const Bytes i64_0 = {0x42, 0x00, 0x0B};
  return {
      {"FunctionUnknownType", Wasm({TypeSec({kTypeVoid}), FuncSec({{0x05}}), EmptyBodies(1)}),
       "unknown type 5"},
      {"ImportUnknownType", Wasm({Sec(2, Vec({Import("f", {0x00, 0x00})}))}), "unknown type 0"},
      {"ExportUnknownFunction", Wasm({Sec(7, Vec({Export("f", 0x00, 0)}))}), "unknown function 0"},
      {"ExportUnknownTable", Wasm({Sec(7, Vec({Export("t", 0x01, 0)}))}), "unknown table 0"},
      {"ExportUnknownMemory", Wasm({kMem, Sec(7, Vec({Export("m", 0x02, 1)}))}),
       "unknown memory 1"},
      {"ExportUnknownGlobal", Wasm({Sec(7, Vec({Export("g", 0x03, 0)}))}), "unknown global 0"},
      {"StartUnknownFunction", Wasm({Sec(8, {0x03})}), "unknown function 3"},
      {"StartWithParams",
       Wasm({TypeSec({kTypeI32ToVoid}), FuncSec({{0x00}}), Sec(8, {0x00}), EmptyBodies(1)}),
       "start function"},
      {"ElemUnknownTable", Wasm({Sec(9, Vec({Cat({{0x00}, I32Const(0), Vec({})})}))}),
       "unknown table 0"},
      {"ElemUnknownFunction",
       Wasm({kTable, Sec(9, Vec({Cat({{0x00}, I32Const(0), Vec({{0x02}})})}))}),
       "unknown function 2"},
      {"ElemTypeMismatch",
       Wasm({kTable, Sec(9, Vec({Cat({{0x06, 0x00}, I32Const(0), {0x6F}, Vec({})})}))}),
       "type mismatch"},
      {"ElemInitTypeMismatch",
       Wasm({Sec(9, Vec({Cat({{0x05, 0x70}, Vec({{0xD0, 0x6F, 0x0B}})})}))}), "type mismatch"},
      {"DataUnknownMemory", Wasm({Sec(11, Vec({Cat({{0x00}, I32Const(0), Str("x")})}))}),
       "unknown memory 0"},
      {"DataOffsetI64", Wasm({kMem, Sec(11, Vec({Cat({{0x00}, i64_0, Str("x")})}))}),
       "type mismatch"},
      {"DuplicateExportName",
       Wasm({kOneFunc, Sec(7, Vec({Export("a", 0x00, 0), Export("a", 0x00, 0)})), EmptyBodies(1)}),
       "duplicate export name"},
      {"MultipleMemories", Wasm({Sec(5, Vec({{0x00, 0x01}, {0x00, 0x01}}))}), "multiple memories"},
      {"ImportedAndDefinedMemory", Wasm({Sec(2, Vec({Import("m", {0x02, 0x00, 0x00})})), kMem}),
       "multiple memories"},
      {"MemoryMinTooLarge", Wasm({Sec(5, Vec({{0x00, 0x81, 0x80, 0x04}}))}),
       "memory size must be at most 65536 pages (4GiB)"},
      {"MemoryMaxTooLarge", Wasm({Sec(5, Vec({{0x01, 0x00, 0x81, 0x80, 0x04}}))}),
       "memory size must be at most 65536 pages (4GiB)"},
      {"ImportedMemoryTooLarge", Wasm({Sec(2, Vec({Import("m", {0x02, 0x00, 0x81, 0x80, 0x04})}))}),
       "memory size must be at most 65536 pages (4GiB)"},
      {"MemoryMinAboveMax", Wasm({Sec(5, Vec({{0x01, 0x02, 0x01}}))}),
       "size minimum must not be greater than maximum"},
      {"TableMinAboveMax", Wasm({Sec(4, Vec({{0x70, 0x01, 0x02, 0x01}}))}),
       "size minimum must not be greater than maximum"},
      {"GlobalTypeMismatch", Wasm({Sec(6, Vec({Global(0x7F, 0x00, i64_0)}))}), "type mismatch"},
      {"GlobalEmptyInit", Wasm({Sec(6, Vec({Global(0x7F, 0x00, {0x0B})}))}), "type mismatch"},
      {"GlobalTwoValues", Wasm({Sec(6, Vec({Global(0x7F, 0x00, {0x41, 0x00, 0x41, 0x00, 0x0B})}))}),
       "type mismatch"},
      {"GlobalNop", Wasm({Sec(6, Vec({Global(0x7F, 0x00, {0x01, 0x0B})}))}),
       "constant expression required"},
      {"GlobalAdd", Wasm({Sec(6, Vec({Global(0x7F, 0x00, {0x41, 0x01, 0x41, 0x02, 0x6A, 0x0B})}))}),
       "constant expression required"},
      {"GlobalGetMutableImport",
       Wasm({Sec(2, Vec({Import("g", {0x03, 0x7F, 0x01})})),
             Sec(6, Vec({Global(0x7F, 0x00, {0x23, 0x00, 0x0B})}))}),
       "constant expression required"},
      {"GlobalGetDefinedGlobal",
       Wasm({Sec(6,
                 Vec({Global(0x7F, 0x00, I32Const(1)), Global(0x7F, 0x00, {0x23, 0x00, 0x0B})}))}),
       "unknown global 0"},
      {"GlobalGetWrongType",
       Wasm({Sec(2, Vec({Import("g", {0x03, 0x7E, 0x00})})),
             Sec(6, Vec({Global(0x7F, 0x00, {0x23, 0x00, 0x0B})}))}),
       "type mismatch"},
      {"GlobalRefFuncUnknown", Wasm({Sec(6, Vec({Global(0x70, 0x00, {0xD2, 0x00, 0x0B})}))}),
       "unknown function 0"},
      {"GlobalNullWrongRefType", Wasm({Sec(6, Vec({Global(0x70, 0x00, {0xD0, 0x6F, 0x0B})}))}),
       "type mismatch"},
  };
}

class InvalidTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidTest, IsRejectedWithSpecWording) {
  const InvalidCase& c = GetParam();
  auto r = DecodeAndValidate(c.bytes);
  ASSERT_FALSE(r.ok()) << c.name;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalid) << r.error().message;
  EXPECT_NE(r.error().message.find(c.message), std::string::npos)
      << "got: " << r.error().message << "\nwant: " << c.message;
  EXPECT_NE(r.error().message.find(" section, offset 0x"), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(Validator,
                         InvalidTest,
                         ::testing::ValuesIn(InvalidCases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ValidationTest, AcceptsAllKindsOfDefinitions) {
  Bytes bytes =
      Wasm({TypeSec({kTypeVoid}),
            Sec(2, Vec({Import("g", {0x03, 0x7F, 0x00}), Import("m", {0x02, 0x01, 0x01, 0x02})})),
            FuncSec({{0x00}}), Sec(4, Vec({{0x70, 0x01, 0x01, 0x01}})),
            Sec(6, Vec({Global(0x7F, 0x01, {0x23, 0x00, 0x0B})})),
            Sec(7, Vec({Export("f", 0x00, 0), Export("t", 0x01, 0), Export("m", 0x02, 0),
                        Export("g", 0x03, 1)})),
            Sec(8, {0x00}), Sec(9, Vec({Cat({{0x00}, {0x23, 0x00, 0x0B}, Vec({{0x00}})})})),
            EmptyBodies(1), Sec(11, Vec({Cat({{0x00}, I32Const(1), Str("x")})}))});
  Module m;
  auto r = DecodeAndValidate(bytes, &m);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(m.global_inits[0].type, ValType::kI32);  // filled in from the imported global
}

TEST(ValidationTest, LocatesTheOffendingEntry) {
  // Export entry 1 starts at 8 (header) + 2 (id, size) + 1 (count) + 4 (entry 0) = 15.
  auto r = DecodeAndValidate(
      Wasm({kOneFunc, Sec(7, Vec({Export("a", 0x00, 0), Export("a", 0x00, 0)})), EmptyBodies(1)}));
  ASSERT_FALSE(r.ok());
  const size_t prefix = kOneFunc.size();
  char want[64];
  std::snprintf(want, sizeof want, "export section, offset 0x%zx: duplicate export name",
                15 + prefix);
  EXPECT_EQ(r.error().message.rfind(want, 0), 0u) << r.error().message;
}

TEST(ValidationTest, DeclaredFunctionReferences) {
  // Functions 0..4: 1 in an element segment, 2 exported, 3 in a global
  // initialiser, 4 in a declarative segment; 0 nowhere.
  Bytes bytes = Wasm(
      {TypeSec({kTypeVoid}), FuncSec({{0x00}, {0x00}, {0x00}, {0x00}, {0x00}}), kTable,
       Sec(6, Vec({Global(0x70, 0x00, {0xD2, 0x03, 0x0B})})), Sec(7, Vec({Export("f", 0x00, 2)})),
       Sec(9, Vec({Cat({{0x01, 0x00}, Vec({{0x01}})}), Cat({{0x03, 0x00}, Vec({{0x04}})})})),
       EmptyBodies(5)});
  Module m;
  auto r = DecodeAndValidate(bytes, &m);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(IsDeclaredFuncRef(m, 0));
  EXPECT_TRUE(IsDeclaredFuncRef(m, 1));
  EXPECT_TRUE(IsDeclaredFuncRef(m, 2));
  EXPECT_TRUE(IsDeclaredFuncRef(m, 3));
  EXPECT_TRUE(IsDeclaredFuncRef(m, 4));
  EXPECT_FALSE(IsDeclaredFuncRef(m, 5));  // out of range
}

}  // namespace
}  // namespace capsa::engine
