// Function-body validation: a table of bodies with the spec test suite's
// expected message, checked through LoadModule.
#include <gtest/gtest.h>

#include <regex>

#include "engine/runtime.h"

namespace capsa::engine::testing {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes Leb(uint64_t v) {
  Bytes out;
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    out.push_back(v ? (b | 0x80) : b);
  } while (v);
  return out;
}

void Append(Bytes* out, const Bytes& b) { out->insert(out->end(), b.begin(), b.end()); }

void Section(Bytes* out, uint8_t id, const Bytes& payload) {
  out->push_back(id);
  Append(out, Leb(payload.size()));
  Append(out, payload);
}

struct Env {
  uint8_t type = 0;        // type of function 0: 0 []->[], 1 [i32]->[i32], 2 []->[i32]
  Bytes locals = {0x00};   // local declarations (vector)
  bool memory = true;
  bool table = true;
  bool data_count = true;
  bool data_section = true;  // one passive segment
};

// Types: 0 []->[], 1 [i32]->[i32], 2 []->[i32], 3 []->[i32 i32].
// Function 0 has the body under test; function 1 ([]->[]) is declared by an
// elem segment (so ref.func 1 is allowed). Globals: 0 const i32, 1 mut i32.
Bytes BuildModule(const Env& env, const Bytes& body) {
  Bytes m = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
  Section(&m, 1, {0x04, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7F, 0x01, 0x7F, 0x60, 0x00, 0x01, 0x7F,
                  0x60, 0x00, 0x02, 0x7F, 0x7F});
  Section(&m, 3, {0x02, env.type, 0x00});
  if (env.table) Section(&m, 4, {0x01, 0x70, 0x00, 0x01});
  if (env.memory) Section(&m, 5, {0x01, 0x00, 0x01});
  Section(&m, 6, {0x02, 0x7F, 0x00, 0x41, 0x00, 0x0B, 0x7F, 0x01, 0x41, 0x00, 0x0B});
  Section(&m, 9, {0x01, 0x03, 0x00, 0x01, 0x01});  // declarative: func 1
  if (env.data_count) Section(&m, 12, {0x01});
  Bytes f0 = env.locals;
  Append(&f0, body);
  Bytes code = {0x02};
  Append(&code, Leb(f0.size()));
  Append(&code, f0);
  Append(&code, {0x02, 0x00, 0x0B});
  Section(&m, 10, code);
  if (env.data_section) Section(&m, 11, {0x01, 0x01, 0x01, 'x'});
  return m;
}

struct Case {
  const char* name;
  Env env;
  Bytes body;
  ErrorCode code;
  const char* message;  // nullptr: valid
};

Env NoMemory() { Env e; e.memory = false; return e; }
Env NoTable() { Env e; e.table = false; return e; }
Env NoData() { Env e; e.data_count = false; e.data_section = false; return e; }
Env NoDataCount() { Env e; e.data_count = false; return e; }
Env Returns(uint8_t type) { Env e; e.type = type; return e; }
Env OneI32Local() { Env e; e.locals = {0x01, 0x01, 0x7F}; return e; }

const ErrorCode kInv = ErrorCode::kInvalid;
const ErrorCode kMal = ErrorCode::kMalformed;

const Case kCases[] = {
    {"operand type", {}, {0x41, 0x00, 0x42, 0x00, 0x6A, 0x1A, 0x0B}, kInv, "type mismatch"},
    {"empty stack", {}, {0x6A, 0x1A, 0x0B}, kInv, "type mismatch"},
    {"value left at end", {}, {0x41, 0x01, 0x0B}, kInv, "type mismatch"},
    {"missing result", Returns(2), {0x0B}, kInv, "type mismatch"},
    {"return type", Returns(2), {0x42, 0x00, 0x0F, 0x0B}, kInv, "type mismatch"},
    {"unknown local", {}, {0x20, 0x05, 0x1A, 0x0B}, kInv, "unknown local"},
    {"local.set type", OneI32Local(), {0x42, 0x00, 0x21, 0x00, 0x0B}, kInv, "type mismatch"},
    {"unknown global", {}, {0x23, 0x09, 0x1A, 0x0B}, kInv, "unknown global"},
    {"immutable global", {}, {0x41, 0x01, 0x24, 0x00, 0x0B}, kInv, "global is immutable"},
    {"unknown function", {}, {0x10, 0x09, 0x0B}, kInv, "unknown function"},
    {"unknown label", {}, {0x0C, 0x01, 0x0B}, kInv, "unknown label"},
    {"unknown block type", {}, {0x02, 0x05, 0x0B, 0x0B}, kInv, "unknown type"},
    {"call_indirect type", {}, {0x41, 0x00, 0x11, 0x09, 0x00, 0x0B}, kInv, "unknown type"},
    {"call_indirect table", NoTable(), {0x41, 0x00, 0x11, 0x00, 0x00, 0x0B}, kInv, "unknown table"},
    {"table.get table", {}, {0x41, 0x00, 0x25, 0x03, 0x1A, 0x0B}, kInv, "unknown table"},
    {"load without memory", NoMemory(), {0x41, 0x00, 0x28, 0x02, 0x00, 0x1A, 0x0B}, kInv, "unknown memory"},
    {"memory.size without memory", NoMemory(), {0x3F, 0x00, 0x1A, 0x0B}, kInv, "unknown memory"},
    {"i32.load align", {}, {0x41, 0x00, 0x28, 0x03, 0x00, 0x1A, 0x0B}, kInv,
     "alignment must not be larger than natural"},
    {"i64.load8_u align", {}, {0x41, 0x00, 0x31, 0x01, 0x00, 0x1A, 0x0B}, kInv,
     "alignment must not be larger than natural"},
    {"i32.store16 align", {}, {0x41, 0x00, 0x41, 0x00, 0x3B, 0x02, 0x00, 0x0B}, kInv,
     "alignment must not be larger than natural"},
    {"memory.init without data count", NoDataCount(),
     {0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x08, 0x00, 0x00, 0x0B}, kMal, "data count section required"},
    {"data.drop without data count", NoDataCount(), {0xFC, 0x09, 0x00, 0x0B}, kMal,
     "data count section required"},
    {"data.drop without any data", NoData(), {0xFC, 0x09, 0x00, 0x0B}, kInv, "unknown data segment"},
    {"br_table labels of different types", {},
     {0x02, 0x7C, 0x02, 0x7D, 0x00, 0x41, 0x01, 0x0E, 0x02, 0x00, 0x01, 0x01, 0x0B, 0x1A, 0x44, 0, 0, 0, 0, 0, 0, 0, 0,
      0x0B, 0x1A, 0x0B},
     kInv, nullptr},
    {"unknown data segment", {}, {0xFC, 0x09, 0x05, 0x0B}, kInv, "unknown data segment"},
    {"unknown elem segment", {}, {0xFC, 0x0D, 0x05, 0x0B}, kInv, "unknown elem segment"},
    {"untyped select of refs", {}, {0xD0, 0x70, 0xD0, 0x70, 0x41, 0x01, 0x1B, 0x1A, 0x0B}, kInv, "type mismatch"},
    {"select operands differ", {}, {0x41, 0x01, 0x42, 0x01, 0x41, 0x01, 0x1B, 0x1A, 0x0B}, kInv, "type mismatch"},
    {"typed select arity", {}, {0x41, 0x01, 0x41, 0x01, 0x41, 0x01, 0x1C, 0x02, 0x7F, 0x7F, 0x1A, 0x0B}, kInv,
     "invalid result arity"},
    {"undeclared ref.func", {}, {0xD2, 0x00, 0x1A, 0x0B}, kInv, "undeclared function reference"},
    {"ref.is_null of i32", {}, {0x41, 0x00, 0xD1, 0x1A, 0x0B}, kInv, "type mismatch"},
    {"else arm missing value", {}, {0x41, 0x01, 0x04, 0x7F, 0x41, 0x01, 0x05, 0x0B, 0x1A, 0x0B}, kInv,
     "type mismatch"},
    {"if without else with result", {}, {0x41, 0x01, 0x04, 0x7F, 0x41, 0x01, 0x0B, 0x1A, 0x0B}, kInv,
     "type mismatch"},
    {"br_table arity", {},
     {0x02, 0x7F, 0x02, 0x40, 0x41, 0x01, 0x41, 0x00, 0x0E, 0x01, 0x00, 0x01, 0x0B, 0x41, 0x00, 0x0B, 0x1A, 0x0B},
     kInv, "type mismatch"},
    {"br value type", {}, {0x02, 0x7F, 0x42, 0x00, 0x0C, 0x00, 0x0B, 0x1A, 0x0B}, kInv, "type mismatch"},
    {"polymorphic stack keeps known types", {}, {0x00, 0x42, 0x00, 0x6A, 0x1A, 0x0B}, kInv, "type mismatch"},
    {"illegal opcode", {}, {0xFF, 0x0B}, kMal, "illegal opcode"},
    {"illegal 0xFC opcode", {}, {0xFC, 0x63, 0x0B}, kMal, "illegal opcode"},
    {"memory.size reserved byte", {}, {0x3F, 0x01, 0x1A, 0x0B}, kMal, "zero byte expected"},
    // (The decoder already requires a body's last byte to be 0x0B.)
    {"unbalanced block", {}, {0x02, 0x40, 0x0B}, kMal, "unexpected end"},
    {"truncated immediate", {}, {0x41, 0x00, 0x28, 0x0B}, kMal, "unexpected end"},
    {"too long LEB", {}, {0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x1A, 0x0B}, kMal,
     "integer representation too long"},
    // Valid bodies.
    {"polymorphic operands", {}, {0x00, 0x6A, 0x1A, 0x0B}, kInv, nullptr},
    {"unreachable block result", {}, {0x02, 0x7F, 0x00, 0x0B, 0x1A, 0x0B}, kInv, nullptr},
    {"br_table with value", {},
     {0x02, 0x7F, 0x41, 0x00, 0x41, 0x00, 0x0E, 0x01, 0x00, 0x00, 0x0B, 0x1A, 0x0B}, kInv, nullptr},
    {"declared ref.func", {}, {0xD2, 0x01, 0x1A, 0x0B}, kInv, nullptr},
    {"multi-value block type", {}, {0x02, 0x03, 0x41, 0x01, 0x41, 0x02, 0x0B, 0x1A, 0x1A, 0x0B}, kInv, nullptr},
    {"typed select", {}, {0xD0, 0x70, 0xD0, 0x70, 0x41, 0x01, 0x1C, 0x01, 0x70, 0x1A, 0x0B}, kInv, nullptr},
    {"memory.init", {}, {0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x08, 0x00, 0x00, 0x0B}, kInv, nullptr},
};

class ValidationTest : public ::testing::TestWithParam<Case> {};

TEST_P(ValidationTest, Body) {
  const Case& c = GetParam();
  Bytes wasm = BuildModule(c.env, c.body);
  Result<std::shared_ptr<const Module>> r = LoadModule(wasm);
  if (c.message == nullptr) {
    EXPECT_TRUE(r.ok()) << r.error().message;
    return;
  }
  ASSERT_FALSE(r.ok()) << "accepted";
  EXPECT_EQ(r.error().code, c.code) << r.error().message;
  EXPECT_TRUE(std::regex_search(r.error().message,
                                std::regex("^code section, function 0, offset 0x[0-9a-f]+: ")))
      << r.error().message;
  EXPECT_NE(r.error().message.find(std::string(": ") + c.message), std::string::npos) << r.error().message;
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string s = info.param.name;
  for (char& ch : s)
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Bodies, ValidationTest, ::testing::ValuesIn(kCases), CaseName);

// The location names the failing instruction's byte offset in the module.
TEST(ValidationLocation, OffsetPointsAtInstruction) {
  Env env;
  Bytes body = {0x01, 0x01, 0x20, 0x07, 0x0B};  // nop nop local.get 7
  Bytes wasm = BuildModule(env, body);
  Result<std::shared_ptr<const Module>> r = LoadModule(wasm);
  ASSERT_FALSE(r.ok());
  // Find the body in the binary: locals byte 0x00 then the two nops.
  size_t pos = 0;
  for (size_t i = 0; i + 3 < wasm.size(); ++i)
    if (wasm[i] == 0x00 && wasm[i + 1] == 0x01 && wasm[i + 2] == 0x01 && wasm[i + 3] == 0x20) pos = i + 3;
  char expect[64];
  std::snprintf(expect, sizeof(expect), "offset 0x%zx: unknown local 7", pos);
  EXPECT_NE(r.error().message.find(expect), std::string::npos) << r.error().message << " vs " << expect;
}

}  // namespace
}  // namespace capsa::engine::testing
