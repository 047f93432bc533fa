// Instantiate: resolve imports, allocate the instance's own functions, tables,
// memories and globals, then run the 2.0 initialisation sequence — active
// element segments, active data segments (each bounds-checked as table.init /
// memory.init, then dropped), declarative segments dropped — and finally the
// start function.
#include <cstring>

#include "engine/import_resolver.h"
#include "engine/runtime.h"

namespace capsa::engine {
namespace {

Trap MakeTrap(TrapKind kind) {
  Trap t;
  t.kind = kind;
  t.message = TrapKindMessage(kind);
  return t;
}

// Constant expressions have been validated: indices are in range and
// global.get names an (already resolved) imported global.
Value EvalConst(const ConstExpr& e, const Instance& inst) {
  Value v;
  v.bits = 0;
  switch (e.kind) {
    case ConstExpr::Kind::kI32Const:
      return I32(static_cast<uint32_t>(e.bits));
    case ConstExpr::Kind::kF32Const:
      v.bits = static_cast<uint32_t>(e.bits);
      return v;
    case ConstExpr::Kind::kI64Const:
    case ConstExpr::Kind::kF64Const:
      v.bits = e.bits;
      return v;
    case ConstExpr::Kind::kRefNull:
      return NullRef();
    case ConstExpr::Kind::kRefFunc:
      v.func = inst.functions[e.bits].get();
      return v;
    case ConstExpr::Kind::kGlobalGet:
      return inst.globals[e.bits]->value;
  }
  return v;
}

Result<void> LinkImports(Instance& inst, const Linker& linker) {
  const Module& m = *inst.module;
  for (const Import& im : m.imports) {
    TRY_ASSIGN(Extern e, ResolveImport(m, im, linker));
    switch (im.kind) {
      case ExternKind::kFunction:
        inst.functions.push_back(std::move(e.func));
        break;
      case ExternKind::kTable:
        inst.tables.push_back(std::move(e.table));
        break;
      case ExternKind::kMemory:
        inst.memories.push_back(std::move(e.memory));
        break;
      case ExternKind::kGlobal:
        inst.globals.push_back(std::move(e.global));
        break;
    }
  }
  return {};
}

Result<void> AllocateDefinitions(Instance& inst, const InstanceOptions& options) {
  const Module& m = *inst.module;
  for (uint32_t i = 0; i < m.bodies.size(); ++i) {
    const uint32_t index = m.num_imported_functions + i;
    auto f = std::make_shared<FunctionInstance>();
    f->type = m.FunctionType(index);
    f->name = m.FunctionName(index);
    f->instance = &inst;
    f->code = i < m.compiled.size() ? m.compiled[i].get() : nullptr;
    f->func_index = index;
    inst.functions.push_back(std::move(f));
  }
  auto table_budget = std::make_shared<uint64_t>(TableInstance::kMaxElements);
  for (size_t i = m.num_imported_tables; i < m.tables.size(); ++i) {
    const TableType& type = m.tables[i];
    if (type.limits.min > *table_budget) {
      return Error{ErrorCode::kLimit,
                   "table " + std::to_string(i) + ": minimum size " +
                       std::to_string(type.limits.min) + " takes the module's tables past capsa's limit of " +
                       std::to_string(TableInstance::kMaxElements) + " elements in all"};
    }
    *table_budget -= type.limits.min;
    auto t = std::make_shared<TableInstance>();
    t->type = type;
    t->shared_budget = table_budget;
    t->elements.assign(type.limits.min, NullRef());
    inst.tables.push_back(std::move(t));
  }
  for (size_t i = m.num_imported_memories; i < m.memories.size(); ++i) {
    // Only memory 0, and only when the module defines it, lives in the memfd.
    const int memfd = i == 0 ? options.memfd : -1;
    TRY_ASSIGN(auto mem, LinearMemory::Create(m.memories[i], memfd, options.max_memory_bytes));
    inst.memories.push_back(std::move(mem));
  }
  for (size_t i = 0; i < m.global_inits.size(); ++i) {
    auto g = std::make_shared<GlobalInstance>();
    g->type = m.globals[m.num_imported_globals + i];
    g->value = EvalConst(m.global_inits[i], inst);
    inst.globals.push_back(std::move(g));
  }
  return {};
}

std::optional<Trap> InitElems(Instance& inst) {
  const Module& m = *inst.module;
  for (size_t i = 0; i < m.elems.size(); ++i) {
    const ElemSegment& seg = m.elems[i];
    if (seg.mode == SegmentMode::kPassive)
      continue;
    if (seg.mode == SegmentMode::kActive) {
      const uint64_t offset = EvalConst(seg.offset, inst).i32;
      TableInstance& table = *inst.tables[seg.table_index];
      const uint64_t n = seg.init.size();
      if (offset > table.elements.size() || n > table.elements.size() - offset) {
        return MakeTrap(TrapKind::kTableOutOfBounds);
      }
      for (uint64_t k = 0; k < n; ++k)
        table.elements[offset + k] = EvalConst(seg.init[k], inst);
    }
    inst.elem_dropped[i] = true;
  }
  return std::nullopt;
}

std::optional<Trap> InitDatas(Instance& inst) {
  const Module& m = *inst.module;
  for (size_t i = 0; i < m.datas.size(); ++i) {
    const DataSegment& seg = m.datas[i];
    if (seg.mode != SegmentMode::kActive)
      continue;
    const uint64_t offset = EvalConst(seg.offset, inst).i32;
    LinearMemory& mem = *inst.memories[seg.memory_index];
    if (!mem.InBounds(offset, seg.bytes.size()))
      return MakeTrap(TrapKind::kMemoryOutOfBounds);
    if (!seg.bytes.empty())
      std::memcpy(mem.data() + offset, seg.bytes.data(), seg.bytes.size());
    inst.data_dropped[i] = true;
  }
  return std::nullopt;
}

}  // namespace

InstantiateOutcome Instantiate(std::shared_ptr<const Module> module,
                               const Linker& linker,
                               const InstanceOptions& options) {
  InstantiateOutcome out;
  auto inst = std::make_unique<Instance>();
  inst->module = std::move(module);
  inst->exec = options.exec;
  if (options.exec.fuel && !inst->module->fuel_metering) {
    out.error = Error{ErrorCode::kInvalid, "a fuel limit needs a module loaded with fuel metering"};
    return out;
  }
  if (auto r = LinkImports(*inst, linker); !r.ok()) {
    out.error = r.take_error();
    return out;
  }
  if (auto r = AllocateDefinitions(*inst, options); !r.ok()) {
    out.error = r.take_error();
    return out;
  }
  inst->elem_dropped.assign(inst->module->elems.size(), false);
  inst->data_dropped.assign(inst->module->datas.size(), false);
  out.trap = InitElems(*inst);
  if (!out.trap)
    out.trap = InitDatas(*inst);
  if (!out.trap && inst->module->start) {
    auto result = Invoke(*inst->functions[*inst->module->start], {});
    if (auto* trap = std::get_if<Trap>(&result))
      out.trap = std::move(*trap);
  }
  out.instance = std::move(inst);
  return out;
}

}  // namespace capsa::engine
