#include "tools/wast/spectest.h"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace capsa::wast {
namespace {

using engine::ExternKind;
using engine::FuncType;
using engine::ValType;
using engine::Value;

void DefinePrint(engine::Linker& linker, std::string name, std::vector<ValType> params) {
  linker.DefineHostFunction(
      "spectest", std::move(name), FuncType{std::move(params), {}},
      [](engine::CallContext&, std::span<const Value>, std::span<Value>) -> std::optional<engine::Trap> {
        return std::nullopt;
      });
}

void DefineGlobal(engine::Linker& linker, std::string name, ValType type, Value value) {
  engine::Extern e;
  e.kind = ExternKind::kGlobal;
  e.global = std::make_shared<engine::GlobalInstance>();
  e.global->type = engine::GlobalType{type, engine::Mutability::kConst};
  e.global->value = value;
  linker.Define("spectest", std::move(name), std::move(e));
}

}  // namespace

Result<void> DefineSpectest(engine::Linker& linker) {
  DefinePrint(linker, "print", {});
  DefinePrint(linker, "print_i32", {ValType::kI32});
  DefinePrint(linker, "print_i64", {ValType::kI64});
  DefinePrint(linker, "print_f32", {ValType::kF32});
  DefinePrint(linker, "print_f64", {ValType::kF64});
  DefinePrint(linker, "print_i32_f32", {ValType::kI32, ValType::kF32});
  DefinePrint(linker, "print_f64_f64", {ValType::kF64, ValType::kF64});

  DefineGlobal(linker, "global_i32", ValType::kI32, engine::I32(666));
  DefineGlobal(linker, "global_i64", ValType::kI64, engine::I64(666));
  DefineGlobal(linker, "global_f32", ValType::kF32, engine::F32(666.6f));
  DefineGlobal(linker, "global_f64", ValType::kF64, engine::F64(666.6));

  engine::Extern table;
  table.kind = ExternKind::kTable;
  table.table = std::make_shared<engine::TableInstance>();
  table.table->type = engine::TableType{ValType::kFuncRef, engine::Limits{10, 20}};
  table.table->elements.assign(10, engine::NullRef());
  linker.Define("spectest", "table", std::move(table));

  engine::Extern memory;
  memory.kind = ExternKind::kMemory;
  TRY_ASSIGN(memory.memory, engine::LinearMemory::Create(engine::MemoryType{engine::Limits{1, 2}}));
  linker.Define("spectest", "memory", std::move(memory));
  return {};
}

}  // namespace capsa::wast
