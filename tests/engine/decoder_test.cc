// Malformed binaries (table-driven, one row per spec error class) and the
// decoded shape of well-formed ones.
#include "engine/decoder.h"

#include <gtest/gtest.h>

#include "tests/engine/front_test_util.h"

namespace capsa::engine {
namespace {

using testing::Bytes;
using testing::Cat;
using testing::EmptyBodies;
using testing::FuncSec;
using testing::I32Const;
using testing::kTypeVoid;
using testing::Leb;
using testing::Sec;
using testing::Str;
using testing::TypeSec;
using testing::Vec;
using testing::Wasm;

struct MalformedCase {
  const char* name;
  Bytes bytes;
  const char* message;  // expected substring
  ErrorCode code = ErrorCode::kMalformed;
};

const Bytes kHeader = Wasm();
const Bytes kOneFunc = Cat({TypeSec({kTypeVoid}), FuncSec({{0x00}})});
const Bytes kMem1 = Sec(5, Vec({{0x00, 0x01}}));

std::vector<MalformedCase> MalformedCases() {
  return {
      {"Empty", {}, "unexpected end"},
      {"TruncatedMagic", {0x00, 0x61, 0x73}, "unexpected end"},
      {"BadMagic", {0x00, 0x41, 0x53, 0x4D, 0x01, 0, 0, 0}, "magic header not detected"},
      {"TruncatedVersion", {0x00, 0x61, 0x73, 0x6D, 0x01}, "unexpected end"},
      {"BadVersion", {0x00, 0x61, 0x73, 0x6D, 0x02, 0, 0, 0}, "unknown binary version"},
      {"SectionId13", Cat({kHeader, {0x0D, 0x01, 0x00}}), "malformed section id"},
      {"SectionIdOverlong", Cat({kHeader, {0x80, 0x01, 0x00}}), "malformed section id"},
      {"DuplicateTypeSection", Cat({kHeader, Sec(1, Vec({})), Sec(1, Vec({}))}),
       "unexpected content after last section"},
      {"FunctionBeforeType", Wasm({FuncSec({}), TypeSec({})}),
       "unexpected content after last section"},
      {"DataCountAfterCode", Wasm({EmptyBodies(0), Sec(12, {0x00})}),
       "unexpected content after last section"},
      {"SectionTooLong", Wasm({Sec(1, Cat({Vec({kTypeVoid}), kTypeVoid}))}),
       "section size mismatch"},
      {"SectionPastEnd", Cat({kHeader, {0x01, 0x07, 0x02, 0x60, 0x00, 0x00}}),
       "length out of bounds"},
      {"CountPastSection", Cat({kHeader, {0x05, 0x01, 0x01}}),
       "unexpected end of section or function"},
      {"SectionSizeTooLarge", Cat({kHeader, {0x01, 0x80, 0x80, 0x80, 0x80, 0x10}}),
       "integer too large"},
      {"U32Overlong", Wasm({Sec(1, {0x80, 0x80, 0x80, 0x80, 0x80, 0x00})}),
       "integer representation too long"},
      {"U32TooLarge", Wasm({Sec(1, {0x80, 0x80, 0x80, 0x80, 0x70})}), "integer too large"},
      {"S32TooLarge", Wasm({Sec(6, Vec({{0x7F, 0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x70, 0x0B}}))}),
       "integer too large"},
      {"S32NegativeTooLarge",
       Wasm({Sec(6, Vec({{0x7F, 0x00, 0x41, 0xFF, 0xFF, 0xFF, 0xFF, 0x4F, 0x0B}}))}),
       "integer too large"},
      {"S64Overlong",
       Wasm({Sec(6, Vec({{0x7E, 0x00, 0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                          0x80, 0x00, 0x0B}}))}),
       "integer representation too long"},
      {"ExportNameBadUtf8", Wasm({Sec(7, Vec({{0x01, 0x80, 0x00, 0x00}}))}),
       "malformed UTF-8 encoding"},
      {"ImportNameOverlongUtf8", Wasm({Sec(2, Vec({{0x02, 0xC0, 0x80, 0x00, 0x00, 0x00}}))}),
       "malformed UTF-8 encoding"},
      {"ImportNameSurrogate", Wasm({Sec(2, Vec({{0x03, 0xED, 0xA0, 0x80, 0x00, 0x00, 0x00}}))}),
       "malformed UTF-8 encoding"},
      {"CustomNameBadUtf8", Wasm({Sec(0, {0x01, 0xFF})}), "malformed UTF-8 encoding"},
      {"CustomSectionEmpty", Cat({kHeader, {0x00, 0x00}}), "unexpected end"},
      {"NameLengthOutOfBounds", Wasm({Sec(7, {0x01, 0x0A, 0x61})}), "length out of bounds"},
      // Regression (fuzzing): a section length was bounded from before its own
      // LEB128, so it could overrun the binary by that many bytes; a "name"
      // section doing so was then read past the end of the buffer.
      {"CustomSectionOneBytePastEnd", Cat({kHeader, {0x00, 0x05, 0x01, 0x78, 0x01, 0x02}}),
       "length out of bounds"},
      {"NameSectionPastEnd",
       Cat({kHeader, {0x00, 0x09, 0x04, 0x6E, 0x61, 0x6D, 0x65, 0x01, 0x02, 0x01}}),
       "length out of bounds"},
      {"FunctionWithoutCode", Wasm({TypeSec({kTypeVoid}), FuncSec({{0x00}})}),
       "function and code section have inconsistent lengths"},
      {"CodeWithoutFunction", Wasm({EmptyBodies(1)}),
       "function and code section have inconsistent lengths"},
      {"DataCountMismatch", Wasm({kMem1, Sec(12, {0x01})}),
       "data count and data section have inconsistent lengths"},
      {"TooManyLocalsSpec",
       Wasm({TypeSec({kTypeVoid}), FuncSec({{0x00}}),
             Sec(10, Vec({{0x0A, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0x02, 0x7E, 0x0B}}))}),
       "too many locals"},
      {"TooManyLocalsCap",
       Wasm({TypeSec({kTypeVoid}), FuncSec({{0x00}}),
             Sec(10, Vec({Cat({{0x06, 0x01}, Leb(50001), {0x7F, 0x0B}})}))}),
       "too many locals"},
      {"LocalsCountTooLarge",
       Wasm({TypeSec({kTypeVoid}), FuncSec({{0x00}}),
             Sec(10, Vec({{0x0A, 0x02, 0x80, 0x80, 0x80, 0x80, 0x10, 0x7F, 0x02, 0x7E, 0x0B}}))}),
       "integer too large"},
      {"BodyMissingEndAtEof",
       Cat({kHeader, kOneFunc, {0x0A, 0x06, 0x01, 0x04, 0x00, 0x41, 0x01, 0x1A}}),
       "unexpected end of section or function"},
      {"BodyMissingEnd",
       Cat({kHeader,
            TypeSec({kTypeVoid}),
            FuncSec({{0x00}, {0x00}}),
            {0x0A, 0x0C, 0x02, 0x04, 0x00, 0x41, 0x01, 0x1A, 0x05, 0x00, 0x41, 0x01, 0x1A, 0x0B}}),
       "END opcode expected"},
      {"BodyPastFile", Cat({kHeader, kOneFunc, {0x0A, 0x04, 0x01, 0x05, 0x00, 0x0B}}),
       "length out of bounds"},
      {"BodyPastSection",
       Cat({kHeader, kOneFunc, {0x0A, 0x04, 0x01, 0x05, 0x00, 0x0B}, Sec(0, Str("x"))}),
       "section size mismatch"},
      {"LebPastSection", Cat({kHeader, {0x01, 0x01, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00}}),
       "integer representation too long"},
      {"NamePastSection", Cat({kHeader, {0x00, 0x01, 0x01, 0x61}}),
       "unexpected end of section or function"},
      {"ConstExprPastSection",
       Cat({kHeader, {0x06, 0x05, 0x01, 0x7F, 0x00, 0x41, 0x00}, EmptyBodies(0)}),
       "illegal opcode"},
      {"LimitsFlag2", Wasm({Sec(5, Vec({{0x02, 0x00}}))}), "integer too large"},
      {"TableLimitsFlag8", Wasm({Sec(4, Vec({{0x70, 0x08, 0x00}}))}), "integer too large"},
      {"ImportKind4", Wasm({Sec(2, Vec({{0x00, 0x00, 0x04}}))}), "malformed import kind"},
      {"ExportKind4", Wasm({Sec(7, Vec({{0x00, 0x04, 0x00}}))}), "malformed export kind"},
      {"GlobalMutability2", Wasm({Sec(6, Vec({Cat({{0x7F, 0x02}, I32Const(0)})}))}),
       "malformed mutability"},
      {"FuncTypeForm", Wasm({TypeSec({{0x61, 0x00, 0x00}})}), "malformed function type"},
      {"ValueType", Wasm({TypeSec({{0x60, 0x01, 0x40, 0x00}})}), "malformed value type"},
      {"V128Param", Wasm({TypeSec({{0x60, 0x01, 0x7B, 0x00}})}), "v128", ErrorCode::kUnsupported},
      {"TableRefType", Wasm({Sec(4, Vec({{0x7F, 0x00, 0x00}}))}), "malformed reference type"},
      {"RefNullType", Wasm({Sec(6, Vec({{0x70, 0x00, 0xD0, 0x7F, 0x0B}}))}),
       "malformed reference type"},
      {"ElemFlags8", Wasm({Sec(9, Vec({{0x08}}))}), "malformed elements segment kind"},
      {"ElemKind1", Wasm({Sec(9, Vec({{0x01, 0x01, 0x00}}))}), "malformed element kind"},
      {"ElemRefType", Wasm({Sec(9, Vec({{0x05, 0x7F, 0x00}}))}), "malformed reference type"},
      {"DataFlags3", Wasm({kMem1, Sec(11, Vec({{0x03}}))}), "malformed data segment kind"},
      {"DataBytesShort",
       Cat({kHeader, kMem1, {0x0B, 0x0C, 0x01, 0x00, 0x41, 0x03, 0x0B, 0x07}, Bytes(6, 0x61)}),
       "unexpected end of section or function"},
      {"ConstExprIllegalOpcode", Wasm({Sec(6, Vec({{0x7F, 0x00, 0xFF, 0x0B}}))}), "illegal opcode"},
      {"ConstExprUnterminated", Cat({kHeader, {0x06, 0x04, 0x01, 0x7F, 0x00, 0x41}}),
       "unexpected end"},
  };
}

class MalformedTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedTest, IsRejectedWithSpecWording) {
  const MalformedCase& c = GetParam();
  auto r = DecodeModule(c.bytes);
  ASSERT_FALSE(r.ok()) << c.name;
  EXPECT_EQ(r.error().code, c.code) << r.error().message;
  EXPECT_NE(r.error().message.find(c.message), std::string::npos)
      << "got: " << r.error().message << "\nwant: " << c.message;
  // Every message is located.
  EXPECT_NE(r.error().message.find(", offset 0x"), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(Decoder,
                         MalformedTest,
                         ::testing::ValuesIn(MalformedCases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(DecoderTest, LocatesErrorsBySectionAndOffset) {
  // The bad mutability byte is at offset 8 (header) + 2 (id, size) + 1 (count) + 1 (type) = 12.
  auto r = DecodeModule(Wasm({Sec(6, Vec({Cat({{0x7F, 0x02}, I32Const(0)})}))}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "global section, offset 0xc: malformed mutability");
}

TEST(DecoderTest, ExpandedLocalsAreBoundedPerModule) {
  // 400 bodies of 50000 locals each: 6 bytes per body, 20M locals expanded.
  const size_t n = 400;
  Bytes funcs = Leb(n), code = Leb(n);
  for (size_t i = 0; i < n; ++i) {
    funcs.push_back(0x00);
    code.insert(code.end(), {0x06, 0x01});
    Bytes count = Leb(kMaxFunctionLocals);
    code.insert(code.end(), count.begin(), count.end());
    code.insert(code.end(), {0x7F, 0x0B});
  }
  auto r = DecodeModule(Wasm({TypeSec({kTypeVoid}), Sec(3, funcs), Sec(10, code)}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimit);
  EXPECT_NE(r.error().message.find("too many locals"), std::string::npos);
}

TEST(DecoderTest, EmptyModule) {
  auto r = DecodeModule(Wasm());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->types.empty());
  EXPECT_TRUE(r->bodies.empty());
  EXPECT_FALSE(r->start.has_value());
}

TEST(DecoderTest, IndexSpacesPutImportsFirst) {
  Bytes imports = Vec({Cat({Str("env"), Str("f"), {0x00, 0x00}}),
                       Cat({Str("env"), Str("t"), {0x01, 0x70, 0x01, 0x01, 0x05}}),
                       Cat({Str("env"), Str("m"), {0x02, 0x00, 0x02}}),
                       Cat({Str("env"), Str("g"), {0x03, 0x7E, 0x01}})});
  auto r = DecodeModule(Wasm({TypeSec({kTypeVoid, testing::kTypeI32ToVoid}), Sec(2, imports),
                              FuncSec({{0x01}}), Sec(4, Vec({{0x6F, 0x00, 0x03}})),
                              Sec(6, Vec({Cat({{0x7F, 0x00}, I32Const(-5)})})), EmptyBodies(1)}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Module& m = *r;
  ASSERT_EQ(m.imports.size(), 4u);
  EXPECT_EQ(m.imports[1].table.limits.max, std::optional<uint64_t>(5));
  EXPECT_EQ(m.imports[2].memory.limits.min, 2u);
  EXPECT_EQ(m.imports[3].global.mut, Mutability::kVar);
  EXPECT_EQ(m.functions, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(m.num_imported_functions, 1u);
  ASSERT_EQ(m.tables.size(), 2u);
  EXPECT_EQ(m.tables[1].elem, ValType::kExternRef);
  EXPECT_EQ(m.tables[1].limits.min, 3u);
  EXPECT_EQ(m.memories.size(), 1u);
  ASSERT_EQ(m.globals.size(), 2u);
  EXPECT_EQ(m.globals[1].type, ValType::kI32);
  ASSERT_EQ(m.global_inits.size(), 1u);
  EXPECT_EQ(static_cast<int32_t>(m.global_inits[0].bits), -5);
  ASSERT_EQ(m.bodies.size(), 1u);
  EXPECT_EQ(m.bodies[0].type_index, 1u);
}

TEST(DecoderTest, CodeBodiesExpandLocalsAndKeepOffsets) {
  Bytes body = {0x00 /*size, patched*/, 0x02, 0x02, 0x7F, 0x01, 0x7E, 0x20, 0x00, 0x1A, 0x0B};
  body[0] = static_cast<uint8_t>(body.size() - 1);
  Bytes bytes = Wasm({TypeSec({kTypeVoid}), FuncSec({{0x00}}), Sec(10, Cat({{0x01}, body}))});
  auto r = DecodeModule(bytes);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const FunctionBody& b = r->bodies[0];
  EXPECT_EQ(b.locals, (std::vector<ValType>{ValType::kI32, ValType::kI32, ValType::kI64}));
  EXPECT_EQ(b.code, (Bytes{0x20, 0x00, 0x1A, 0x0B}));
  ASSERT_LT(b.code_offset + 4, bytes.size() + 1);
  EXPECT_EQ(Bytes(bytes.begin() + b.code_offset, bytes.begin() + b.code_offset + 4), b.code);
}

TEST(DecoderTest, AllEightElementEncodings) {
  const Bytes off = I32Const(0);
  const Bytes ref_func1 = {0xD2, 0x01, 0x0B};
  const Bytes null_ext = {0xD0, 0x6F, 0x0B};
  Bytes elems = Vec({
      Cat({{0x00}, off, Vec({{0x01}, {0x00}})}),           // active table 0, func indices
      Cat({{0x01, 0x00}, Vec({{0x01}})}),                  // passive, elemkind, indices
      Cat({{0x02, 0x01}, off, {0x00}, Vec({{0x00}})}),     // active table 1, elemkind, indices
      Cat({{0x03, 0x00}, Vec({{0x01}})}),                  // declarative, indices
      Cat({{0x04}, off, Vec({ref_func1})}),                // active table 0, exprs
      Cat({{0x05, 0x6F}, Vec({null_ext, null_ext})}),      // passive externref exprs
      Cat({{0x06, 0x01}, off, {0x70}, Vec({ref_func1})}),  // active table 1, reftype, exprs
      Cat({{0x07, 0x70}, Vec({ref_func1})}),               // declarative exprs
  });
  auto r = DecodeModule(
      Wasm({TypeSec({kTypeVoid}), FuncSec({{0x00}, {0x00}}),
            Sec(4, Vec({{0x70, 0x00, 0x02}, {0x70, 0x00, 0x02}})), Sec(9, elems), EmptyBodies(2)}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& e = r->elems;
  ASSERT_EQ(e.size(), 8u);
  const SegmentMode kModes[] = {
      SegmentMode::kActive, SegmentMode::kPassive, SegmentMode::kActive, SegmentMode::kDeclarative,
      SegmentMode::kActive, SegmentMode::kPassive, SegmentMode::kActive, SegmentMode::kDeclarative};
  const uint32_t kTables[] = {0, 0, 1, 0, 0, 0, 1, 0};
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(e[i].mode, kModes[i]) << i;
    EXPECT_EQ(e[i].table_index, kTables[i]) << i;
  }
  EXPECT_EQ(e[0].init.size(), 2u);
  EXPECT_EQ(e[0].init[0].kind, ConstExpr::Kind::kRefFunc);
  EXPECT_EQ(e[0].init[0].bits, 1u);
  EXPECT_EQ(e[4].init[0].kind, ConstExpr::Kind::kRefFunc);
  EXPECT_EQ(e[5].type, ValType::kExternRef);
  EXPECT_EQ(e[5].init[1].kind, ConstExpr::Kind::kRefNull);
  EXPECT_EQ(e[5].init[1].type, ValType::kExternRef);
}

TEST(DecoderTest, AllThreeDataEncodingsAndDataCount) {
  Bytes datas = Vec({Cat({{0x00}, I32Const(4), Str("ab")}), Cat({{0x01}, Str("cde")}),
                     Cat({{0x02, 0x00}, I32Const(9), Str("")})});
  auto r = DecodeModule(Wasm({Sec(5, Vec({{0x00, 0x01}})), Sec(12, {0x03}), Sec(11, datas)}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->datas.size(), 3u);
  EXPECT_EQ(r->data_count, std::optional<uint32_t>(3));
  EXPECT_EQ(r->datas[0].mode, SegmentMode::kActive);
  EXPECT_EQ(r->datas[0].offset.bits, 4u);
  EXPECT_EQ(r->datas[0].bytes, (Bytes{'a', 'b'}));
  EXPECT_EQ(r->datas[1].mode, SegmentMode::kPassive);
  EXPECT_EQ(r->datas[1].bytes, (Bytes{'c', 'd', 'e'}));
  EXPECT_EQ(r->datas[2].offset.bits, 9u);
}

TEST(DecoderTest, NonConstantExpressionsDecodeButAreFlagged) {
  auto r = DecodeModule(Wasm({Sec(6, Vec({Cat({{0x7F, 0x00}, {0x41, 0x01, 0x41, 0x02, 0x6A, 0x0B}}),
                                          {0x7F, 0x00, 0x0B},
                                          {0x7F, 0x00, 0x41, 0x01, 0x41, 0x02, 0x0B}}))}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->global_inits[0].problem, ConstExpr::Problem::kNotConstant);
  EXPECT_EQ(r->global_inits[1].problem, ConstExpr::Problem::kWrongArity);
  EXPECT_EQ(r->global_inits[2].problem, ConstExpr::Problem::kWrongArity);
}

Bytes NameSection(const Bytes& subsections) {
  return Sec(0, Cat({Str("name"), subsections}));
}

TEST(DecoderTest, NameSectionGivesFunctionNames) {
  Bytes funcs = Vec({Cat({{0x00}, Str("first")}), Cat({{0x01}, Str("second")})});
  Bytes names = NameSection(Cat({Sec(0, Str("mod")), Sec(1, funcs)}));
  auto r =
      DecodeModule(Wasm({TypeSec({kTypeVoid}), FuncSec({{0x00}, {0x00}}), EmptyBodies(2), names}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->name, "mod");
  EXPECT_EQ(r->FunctionName(0), "first");
  EXPECT_EQ(r->FunctionName(1), "second");
  EXPECT_EQ(r->FunctionName(7), "func[7]");
}

TEST(DecoderTest, MalformedNameSectionIsIgnored) {
  const Bytes bad[] = {
      NameSection(Sec(1, {0x05, 0x00})),                         // count past the end
      NameSection(Sec(1, Vec({Cat({{0x00}, {0x01, 0xFF}})}))),   // bad UTF-8
      NameSection(Cat({Sec(1, Vec({})), Sec(0, Str("late"))})),  // out of order
      NameSection({0x01, 0x09, 0x00}),                           // subsection past end
  };
  for (const Bytes& names : bad) {
    auto r = DecodeModule(Wasm({TypeSec({kTypeVoid}), FuncSec({{0x00}}), EmptyBodies(1), names}));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->function_names.empty());
    EXPECT_EQ(r->name, "");
  }
}

TEST(DecoderTest, CustomSectionsMayAppearAnywhere) {
  Bytes custom = Sec(0, Cat({Str("x"), {1, 2, 3}}));
  auto r = DecodeModule(Wasm(
      {custom, TypeSec({kTypeVoid}), custom, FuncSec({{0x00}}), custom, EmptyBodies(1), custom}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->bodies.size(), 1u);
}

}  // namespace
}  // namespace capsa::engine
