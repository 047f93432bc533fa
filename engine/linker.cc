// The Linker, Instance lookups and table growth: small store operations with
// no decoding or execution in them.
#include "engine/runtime.h"

namespace capsa::engine {

void Linker::Define(std::string module, std::string name, Extern value) {
  items_[{std::move(module), std::move(name)}] = std::move(value);
}

void Linker::DefineHostFunction(std::string module,
                                std::string name,
                                FuncType type,
                                HostFunction fn) {
  auto f = std::make_shared<FunctionInstance>();
  f->type = std::move(type);
  f->name = module + "." + name;
  f->host = std::move(fn);
  Extern e;
  e.kind = ExternKind::kFunction;
  e.func = std::move(f);
  Define(std::move(module), std::move(name), std::move(e));
}

void Linker::DefineInstance(const std::string& module, const Instance& instance) {
  for (const Export& ex : instance.module->exports) {
    if (auto e = instance.FindExport(ex.name))
      Define(module, ex.name, std::move(*e));
  }
}

const Extern* Linker::Find(const std::string& module, const std::string& name) const {
  auto it = items_.find({module, name});
  return it == items_.end() ? nullptr : &it->second;
}

std::optional<Extern> Instance::FindExport(const std::string& name) const {
  for (const Export& ex : module->exports) {
    if (ex.name != name)
      continue;
    Extern e;
    e.kind = ex.kind;
    switch (ex.kind) {
      case ExternKind::kFunction:
        e.func = functions[ex.index];
        break;
      case ExternKind::kTable:
        e.table = tables[ex.index];
        break;
      case ExternKind::kMemory:
        e.memory = memories[ex.index];
        break;
      case ExternKind::kGlobal:
        e.global = globals[ex.index];
        break;
    }
    return e;
  }
  return std::nullopt;
}

FunctionInstance* Instance::FindExportedFunction(const std::string& name) const {
  auto e = FindExport(name);
  if (!e || e->kind != ExternKind::kFunction)
    return nullptr;
  return e->func.get();
}

Instance::~Instance() = default;

std::optional<uint64_t> TableInstance::Grow(uint64_t delta, Value init) {
  const uint64_t old = elements.size();
  const uint64_t max = std::min<uint64_t>(type.limits.max.value_or(kMaxElements), kMaxElements);
  if (old > max || delta > max - old)
    return std::nullopt;
  if (shared_budget && delta > *shared_budget)
    return std::nullopt;
  elements.resize(old + delta, init);
  type.limits.min = old + delta;
  if (shared_budget)
    *shared_budget -= delta;
  return old;
}

}  // namespace capsa::engine
