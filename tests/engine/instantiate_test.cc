// Instantiation: import resolution and its failures, segment initialisation
// and its traps, start functions, names, and instances importing each other.
#include <gtest/gtest.h>

#include <cstring>

#include "engine/runtime.h"
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
using testing::MustLoad;
using testing::Sec;
using testing::Str;
using testing::TypeSec;
using testing::Vec;
using testing::Wasm;

Bytes Import(const char* module, const char* name, const Bytes& desc) {
  return Cat({Str(module), Str(name), desc});
}

std::shared_ptr<LinearMemory> Memory(uint64_t min, std::optional<uint64_t> max = std::nullopt) {
  auto m = LinearMemory::Create(MemoryType{Limits{min, max}});
  EXPECT_TRUE(m.ok());
  return m.ok() ? m.value() : nullptr;
}

std::shared_ptr<TableInstance> Table(uint64_t size,
                                     std::optional<uint64_t> max = std::nullopt,
                                     ValType elem = ValType::kFuncRef) {
  auto t = std::make_shared<TableInstance>();
  t->type = TableType{elem, Limits{size, max}};
  t->elements.assign(size, NullRef());
  return t;
}

std::shared_ptr<GlobalInstance> Global(ValType type, Mutability mut, Value v) {
  auto g = std::make_shared<GlobalInstance>();
  g->type = GlobalType{type, mut};
  g->value = v;
  return g;
}

Extern AsExtern(std::shared_ptr<LinearMemory> m) {
  Extern e;
  e.kind = ExternKind::kMemory;
  e.memory = std::move(m);
  return e;
}
Extern AsExtern(std::shared_ptr<TableInstance> t) {
  Extern e;
  e.kind = ExternKind::kTable;
  e.table = std::move(t);
  return e;
}
Extern AsExtern(std::shared_ptr<GlobalInstance> g) {
  Extern e;
  e.kind = ExternKind::kGlobal;
  e.global = std::move(g);
  return e;
}

HostFunction Nop() {
  return [](CallContext&, std::span<const Value>, std::span<Value>) -> std::optional<Trap> {
    return std::nullopt;
  };
}

// A module importing one of each kind from "env".
Bytes ImportsEveryKind() {
  return Wasm(
      {TypeSec({kTypeI32ToVoid}), Sec(2, Vec({Import("env", "f", {0x00, 0x00}),
                                              Import("env", "t", {0x01, 0x70, 0x01, 0x02, 0x08}),
                                              Import("env", "m", {0x02, 0x01, 0x01, 0x04}),
                                              Import("env", "g", {0x03, 0x7E, 0x00})}))});
}

Linker EveryKindLinker() {
  Linker l;
  l.DefineHostFunction("env", "f", FuncType{{ValType::kI32}, {}}, Nop());
  l.Define("env", "t", AsExtern(Table(3, 8)));
  l.Define("env", "m", AsExtern(Memory(2, 4)));
  l.Define("env", "g", AsExtern(Global(ValType::kI64, Mutability::kConst, I64(7))));
  return l;
}

TEST(InstantiateTest, ResolvesEveryImportKind) {
  auto module = MustLoad(ImportsEveryKind());
  ASSERT_TRUE(module);
  Linker linker = EveryKindLinker();
  auto out = Instantiate(module, linker, {});
  ASSERT_FALSE(out.error) << out.error->message;
  ASSERT_FALSE(out.trap);
  ASSERT_TRUE(out.instance);
  const Instance& inst = *out.instance;
  EXPECT_EQ(inst.functions.at(0), linker.Find("env", "f")->func);
  EXPECT_EQ(inst.tables.at(0), linker.Find("env", "t")->table);
  EXPECT_EQ(inst.memories.at(0), linker.Find("env", "m")->memory);
  EXPECT_EQ(inst.globals.at(0)->value.i64, 7u);
}

struct LinkFailure {
  const char* name;
  const char* import;
  Extern replacement;
  const char* message;
};

TEST(InstantiateTest, EachImportMismatchIsUnlinkable) {
  Extern wrong_sig;
  wrong_sig.kind = ExternKind::kFunction;
  wrong_sig.func = std::make_shared<FunctionInstance>();
  wrong_sig.func->type = FuncType{{ValType::kI64}, {}};
  wrong_sig.func->host = Nop();
  const LinkFailure cases[] = {
      {"KindMismatch", "f", AsExtern(Memory(1)), "incompatible import type"},
      {"FunctionSignature", "f", wrong_sig, "incompatible import type"},
      {"TableTooSmall", "t", AsExtern(Table(1, 8)), "incompatible import type"},
      {"TableNoMax", "t", AsExtern(Table(3)), "incompatible import type"},
      {"TableMaxTooLarge", "t", AsExtern(Table(3, 9)), "incompatible import type"},
      {"TableElemType", "t", AsExtern(Table(3, 8, ValType::kExternRef)),
       "incompatible import type"},
      {"MemoryTooSmall", "m", AsExtern(Memory(0, 4)), "incompatible import type"},
      {"MemoryNoMax", "m", AsExtern(Memory(1)), "incompatible import type"},
      {"MemoryMaxTooLarge", "m", AsExtern(Memory(1, 5)), "incompatible import type"},
      {"GlobalType", "g", AsExtern(Global(ValType::kI32, Mutability::kConst, I32(0))),
       "incompatible import type"},
      {"GlobalMutability", "g", AsExtern(Global(ValType::kI64, Mutability::kVar, I64(0))),
       "incompatible import type"},
  };
  auto module = MustLoad(ImportsEveryKind());
  ASSERT_TRUE(module);
  for (const LinkFailure& c : cases) {
    Linker linker = EveryKindLinker();
    linker.Define("env", c.import, c.replacement);
    auto out = Instantiate(module, linker, {});
    ASSERT_TRUE(out.error) << c.name;
    EXPECT_FALSE(out.instance) << c.name;
    EXPECT_EQ(out.error->code, ErrorCode::kUnlinkable) << c.name;
    EXPECT_NE(out.error->message.find(c.message), std::string::npos)
        << c.name << ": " << out.error->message;
    EXPECT_NE(out.error->message.find(std::string("\"env\".\"") + c.import + "\""),
              std::string::npos)
        << out.error->message;
  }
}

TEST(InstantiateTest, MissingImportIsUnknown) {
  auto module = MustLoad(ImportsEveryKind());
  ASSERT_TRUE(module);
  Linker linker;
  auto out = Instantiate(module, linker, {});
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, ErrorCode::kUnlinkable);
  EXPECT_EQ(out.error->message, "import \"env\".\"f\": unknown import");
}

TEST(InstantiateTest, InstancesImportEachOther) {
  // A exports a function, a table, a memory and a global; B imports them back
  // through the linker, as the spec tests' `register` does.
  Bytes a_bytes =
      Wasm({TypeSec({kTypeVoid}), FuncSec({{0x00}}), Sec(4, Vec({{0x70, 0x00, 0x02}})),
            Sec(5, Vec({{0x00, 0x01}})), Sec(6, Vec({Cat({{0x7F, 0x01}, I32Const(42)})})),
            Sec(7, Vec({Cat({Str("f"), {0x00, 0x00}}), Cat({Str("t"), {0x01, 0x00}}),
                        Cat({Str("m"), {0x02, 0x00}}), Cat({Str("g"), {0x03, 0x00}})})),
            EmptyBodies(1)});
  Bytes b_bytes = Wasm(
      {TypeSec({kTypeVoid}),
       Sec(2, Vec({Import("A", "f", {0x00, 0x00}), Import("A", "t", {0x01, 0x70, 0x00, 0x02}),
                   Import("A", "m", {0x02, 0x00, 0x01}), Import("A", "g", {0x03, 0x7F, 0x01})})),
       Sec(9, Vec({Cat({{0x00}, I32Const(1), Vec({{0x00}})})})),
       Sec(11, Vec({Cat({{0x00}, I32Const(3), Str("B!")})}))});
  auto a_module = MustLoad(a_bytes);
  auto b_module = MustLoad(b_bytes);
  ASSERT_TRUE(a_module && b_module);
  Linker linker;
  auto a = Instantiate(a_module, linker, {});
  ASSERT_TRUE(a.instance && !a.error && !a.trap);
  linker.DefineInstance("A", *a.instance);
  auto b = Instantiate(b_module, linker, {});
  ASSERT_FALSE(b.error) << b.error->message;
  ASSERT_FALSE(b.trap);
  // B's segments wrote into A's table and memory.
  EXPECT_EQ(a.instance->tables[0]->elements[1].func, a.instance->functions[0].get());
  EXPECT_EQ(std::memcmp(a.instance->memories[0]->data() + 3, "B!", 2), 0);
  EXPECT_EQ(b.instance->globals[0], a.instance->globals[0]);
  EXPECT_EQ(a.instance->FindExportedFunction("f"), a.instance->functions[0].get());
  EXPECT_EQ(a.instance->FindExportedFunction("t"), nullptr);  // not a function
  EXPECT_FALSE(a.instance->FindExport("nope").has_value());
}

TEST(InstantiateTest, SegmentsAndNamesFromWat) {
  auto module = MustLoad(testing::ReadFile(CAPSA_FRONT_WASM_DIR "/front_segments.wasm"));
  ASSERT_TRUE(module);
  auto mem = Memory(1);
  auto tab = Table(4);
  Linker linker;
  linker.Define("env", "mem", AsExtern(mem));
  linker.Define("env", "tab", AsExtern(tab));
  linker.Define("env", "base", AsExtern(Global(ValType::kI32, Mutability::kConst, I32(100))));
  auto out = Instantiate(module, linker, {});
  ASSERT_FALSE(out.error) << out.error->message;
  ASSERT_FALSE(out.trap) << out.trap->message;
  const Instance& inst = *out.instance;
  FunctionInstance* alpha = inst.functions[0].get();
  FunctionInstance* beta = inst.functions[1].get();
  EXPECT_EQ(alpha->name, "alpha");
  EXPECT_EQ(beta->name, "beta");
  EXPECT_EQ(alpha->instance, &inst);
  EXPECT_EQ(beta->func_index, 1u);
  EXPECT_EQ(beta->code, module->compiled[1].get());
  EXPECT_EQ(inst.FindExportedFunction("alpha"), alpha);
  const auto& own = inst.tables[1]->elements;
  EXPECT_EQ(own[0].func, nullptr);
  EXPECT_EQ(own[1].func, beta);
  EXPECT_EQ(own[2].func, alpha);
  EXPECT_EQ(tab->elements[2].func, alpha);
  EXPECT_EQ(std::memcmp(mem->data() + 16, "hello", 5), 0);
  EXPECT_EQ(std::memcmp(mem->data() + 100, "xyz", 3), 0);
  EXPECT_EQ(inst.elem_dropped, (std::vector<bool>{true, true, false, true}));
  EXPECT_EQ(inst.data_dropped, (std::vector<bool>{true, true, false}));
}

TEST(InstantiateTest, OutOfBoundsDataTrapsAfterEarlierSegments) {
  Bytes bytes = Wasm({Sec(2, Vec({Import("env", "m", {0x02, 0x00, 0x01})})),
                      Sec(11, Vec({Cat({{0x00}, I32Const(0), Str("ok")}),
                                   Cat({{0x00}, I32Const(65535), Str("xx")})}))});
  auto module = MustLoad(bytes);
  ASSERT_TRUE(module);
  auto mem = Memory(1);
  Linker linker;
  linker.Define("env", "m", AsExtern(mem));
  auto out = Instantiate(module, linker, {});
  ASSERT_FALSE(out.error);
  ASSERT_TRUE(out.trap);
  EXPECT_EQ(out.trap->kind, TrapKind::kMemoryOutOfBounds);
  EXPECT_EQ(out.trap->message, "out of bounds memory access");
  EXPECT_EQ(std::memcmp(mem->data(), "ok", 2), 0);  // 2.0: earlier segments stay written
  EXPECT_EQ(mem->data()[65535], 0);                 // nothing partial
}

TEST(InstantiateTest, OutOfBoundsElemTraps) {
  for (int32_t offset : {2, 4, -1}) {
    Bytes bytes = Wasm({TypeSec({kTypeVoid}), FuncSec({{0x00}}), Sec(4, Vec({{0x70, 0x00, 0x03}})),
                        Sec(9, Vec({Cat({{0x00}, I32Const(offset), Vec({{0x00}, {0x00}})})})),
                        EmptyBodies(1)});
    auto module = MustLoad(bytes);
    ASSERT_TRUE(module);
    auto out = Instantiate(module, Linker(), {});
    ASSERT_TRUE(out.trap) << offset;
    EXPECT_EQ(out.trap->kind, TrapKind::kTableOutOfBounds);
    EXPECT_TRUE(out.instance);  // kept alive: see InstantiateOutcome
  }
}

TEST(InstantiateTest, EmptySegmentAtTheEndIsInBounds) {
  Bytes bytes = Wasm({Sec(4, Vec({{0x70, 0x00, 0x03}})), Sec(5, Vec({{0x00, 0x01}})),
                      Sec(9, Vec({Cat({{0x00}, I32Const(3), Vec({})})})),
                      Sec(11, Vec({Cat({{0x00}, I32Const(65536), Str("")})}))});
  auto module = MustLoad(bytes);
  ASSERT_TRUE(module);
  auto out = Instantiate(module, Linker(), {});
  EXPECT_FALSE(out.trap);
  EXPECT_FALSE(out.error);
}

TEST(InstantiateTest, StartFunctionRunsAfterSegments) {
  // The start function is an imported host function that checks memory was
  // already initialised when it runs.
  Bytes bytes = Wasm({TypeSec({kTypeVoid}), Sec(2, Vec({Import("env", "start", {0x00, 0x00})})),
                      Sec(5, Vec({{0x00, 0x01}})), Sec(7, Vec({Cat({Str("mem"), {0x02, 0x00}})})),
                      Sec(8, {0x00}), Sec(11, Vec({Cat({{0x00}, I32Const(0), Str("S")})}))});
  auto module = MustLoad(bytes);
  ASSERT_TRUE(module);
  int calls = 0;
  Linker linker;
  linker.DefineHostFunction("env", "start", FuncType{},
                            [&](CallContext&, auto, auto) -> std::optional<Trap> {
                              ++calls;
                              return std::nullopt;
                            });
  auto out = Instantiate(module, linker, {});
  ASSERT_FALSE(out.error);
  ASSERT_FALSE(out.trap);
  EXPECT_EQ(calls, 1);

  // A trapping start function reports its trap.
  Linker trapping;
  trapping.DefineHostFunction("env", "start", FuncType{},
                              [](CallContext&, auto, auto) -> std::optional<Trap> {
                                Trap t;
                                t.kind = TrapKind::kUnreachable;
                                t.message = "boom";
                                return t;
                              });
  auto bad = Instantiate(module, trapping, {});
  ASSERT_TRUE(bad.trap);
  EXPECT_EQ(bad.trap->message, "boom");
}

TEST(InstantiateTest, GlobalsInitialiseFromImportsAndRefs) {
  Bytes bytes = Wasm(
      {TypeSec({kTypeVoid}), Sec(2, Vec({Import("env", "g", {0x03, 0x7F, 0x00})})),
       FuncSec({{0x00}}),
       Sec(6, Vec({Cat({{0x7F, 0x00}, {0x23, 0x00, 0x0B}}), Cat({{0x70, 0x00}, {0xD2, 0x00, 0x0B}}),
                   Cat({{0x6F, 0x00}, {0xD0, 0x6F, 0x0B}}),
                   Cat({{0x7D, 0x00}, {0x43, 0x00, 0x00, 0xC0, 0x3F, 0x0B}})})),
       EmptyBodies(1)});
  auto module = MustLoad(bytes);
  ASSERT_TRUE(module);
  Linker linker;
  linker.Define("env", "g", AsExtern(Global(ValType::kI32, Mutability::kConst, I32(99))));
  auto out = Instantiate(module, linker, {});
  ASSERT_FALSE(out.error);
  const auto& g = out.instance->globals;
  EXPECT_EQ(g[1]->value.i32, 99u);
  EXPECT_EQ(g[2]->value.func, out.instance->functions[0].get());
  EXPECT_EQ(g[3]->value.bits, 0u);
  EXPECT_EQ(g[4]->value.f32, 1.5f);
}

TEST(InstantiateTest, MemoryLimitIsEnforced) {
  auto module = MustLoad(Wasm({Sec(5, Vec({{0x00, 0x04}}))}));
  ASSERT_TRUE(module);
  InstanceOptions options;
  options.max_memory_bytes = 3 * LinearMemory::kPageSize;
  auto out = Instantiate(module, Linker(), options);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, ErrorCode::kLimit);
}

// A table section of `count` funcref tables with minimum size `min`.
Bytes TableSec(int count, uint64_t min) {
  Bytes table = Cat({Bytes{0x70, 0x00}, testing::Leb(min)});
  Bytes entries = testing::Leb(count);
  for (int i = 0; i < count; ++i) entries = Cat({entries, table});
  return Sec(4, entries);
}

// Regression (fuzzing): 60 tables of 10M elements each, from a 400-byte
// module, took 4.8 GB of host memory. One instance's tables share one budget.
TEST(InstantiateTest, TablesShareOneElementBudget) {
  auto too_many = MustLoad(Wasm({TableSec(2, TableInstance::kMaxElements / 2 + 1)}));
  ASSERT_TRUE(too_many);
  auto out = Instantiate(too_many, Linker(), InstanceOptions());
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, ErrorCode::kLimit);
  EXPECT_NE(out.error->message.find("table 1"), std::string::npos) << out.error->message;

  auto fits = MustLoad(Wasm({TableSec(2, TableInstance::kMaxElements / 2)}));
  ASSERT_TRUE(fits);
  out = Instantiate(fits, Linker(), InstanceOptions());
  ASSERT_FALSE(out.error) << out.error->message;
  // The budget is spent: neither table may grow, though each is below kMaxElements.
  EXPECT_FALSE(out.instance->tables[0]->Grow(1, NullRef()));
  EXPECT_FALSE(out.instance->tables[1]->Grow(1, NullRef()));
}

TEST(InstantiateTest, TableGrowthDrawsOnTheSharedBudget) {
  auto module = MustLoad(Wasm({TableSec(3, 0)}));
  ASSERT_TRUE(module);
  auto out = Instantiate(module, Linker(), InstanceOptions());
  ASSERT_FALSE(out.error);
  auto& t = out.instance->tables;
  EXPECT_EQ(t[0]->Grow(TableInstance::kMaxElements - 10, NullRef()), 0u);
  EXPECT_FALSE(t[1]->Grow(11, NullRef()));
  EXPECT_EQ(t[2]->Grow(10, NullRef()), 0u);
  EXPECT_FALSE(t[1]->Grow(1, NullRef()));
}

}  // namespace
}  // namespace capsa::engine
