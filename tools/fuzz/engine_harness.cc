#include "tools/fuzz/engine_harness.h"

#include <algorithm>
#include <memory>
#include <variant>
#include <vector>

#include "engine/runtime.h"

namespace capsa::fuzz {
namespace {

using engine::Extern;
using engine::ExternKind;
using engine::Import;
using engine::Module;

// A host function that ignores its arguments and returns zeros (null refs).
engine::HostFunction ZeroFunction() {
  return [](engine::CallContext&, std::span<const engine::Value>,
            std::span<engine::Value> results) -> std::optional<engine::Trap> {
    for (engine::Value& v : results)
      v.bits = 0;
    return std::nullopt;
  };
}

// Something matching `im`'s type, or nullopt when the harness will not make
// one (the module then fails to link, which is a fine outcome too).
// `table_budget` is shared by every table the harness makes, as an instance's
// own tables share one (runtime.h), so imported tables cannot grow without bound.
std::optional<Extern> MakeImport(const Module& m,
                                 const Import& im,
                                 const std::shared_ptr<uint64_t>& table_budget) {
  Extern e;
  e.kind = im.kind;
  switch (im.kind) {
    case ExternKind::kFunction: {
      if (im.func_type_index >= m.types.size())
        return std::nullopt;
      e.func = std::make_shared<engine::FunctionInstance>();
      e.func->type = m.types[im.func_type_index];
      e.func->name = im.module + "." + im.name;
      e.func->host = ZeroFunction();
      return e;
    }
    case ExternKind::kTable: {
      if (im.table.limits.min > std::min(kHarnessMaxImportedTable, *table_budget))
        return std::nullopt;
      *table_budget -= im.table.limits.min;
      e.table = std::make_shared<engine::TableInstance>();
      e.table->type = im.table;
      e.table->shared_budget = table_budget;
      e.table->elements.assign(im.table.limits.min, engine::NullRef());
      return e;
    }
    case ExternKind::kMemory: {
      auto mem = engine::LinearMemory::Create(im.memory, -1, kHarnessMaxMemoryBytes);
      if (!mem.ok())
        return std::nullopt;
      e.memory = std::move(mem.value());
      return e;
    }
    case ExternKind::kGlobal: {
      e.global = std::make_shared<engine::GlobalInstance>();
      e.global->type = im.global;
      e.global->value.bits = 0;
      return e;
    }
  }
  return std::nullopt;
}

engine::Linker LinkerFor(const Module& m) {
  engine::Linker linker;
  auto table_budget = std::make_shared<uint64_t>(engine::TableInstance::kMaxElements);
  for (const Import& im : m.imports) {
    if (linker.Find(im.module, im.name) != nullptr)
      continue;  // first definition wins
    if (auto e = MakeImport(m, im, table_budget))
      linker.Define(im.module, im.name, std::move(*e));
  }
  return linker;
}

}  // namespace

const char* HarnessEndName(HarnessEnd end) {
  switch (end) {
    case HarnessEnd::kRejected:
      return "rejected";
    case HarnessEnd::kNotInstantiated:
      return "not instantiated";
    case HarnessEnd::kInstantiateTrap:
      return "trapped during instantiation";
    case HarnessEnd::kRan:
      return "ran";
  }
  return "?";
}

HarnessReport RunEngineHarness(std::span<const uint8_t> bytes) {
  HarnessReport report;
  auto loaded = engine::LoadModule(bytes);
  if (!loaded.ok()) {
    report.end = HarnessEnd::kRejected;
    report.error = loaded.error().message;
    if (report.error.empty())
      report.violation = "LoadModule failed with an empty message";
    return report;
  }
  std::shared_ptr<const Module> module = loaded.value();
  const engine::Linker linker = LinkerFor(*module);

  engine::InstanceOptions options;
  options.max_memory_bytes = kHarnessMaxMemoryBytes;
  options.exec.fuel = kHarnessFuel;
  options.exec.max_call_depth = kHarnessMaxCallDepth;
  options.exec.max_value_stack_bytes = kHarnessMaxStackBytes;
  engine::InstantiateOutcome inst = engine::Instantiate(module, linker, options);
  if (inst.error) {
    report.end = HarnessEnd::kNotInstantiated;
    report.error = inst.error->message;
    if (report.error.empty())
      report.violation = "Instantiate failed with an empty message";
    return report;
  }
  if (inst.trap) {
    report.end = HarnessEnd::kInstantiateTrap;
    return report;
  }
  report.end = HarnessEnd::kRan;
  for (const engine::Export& ex : module->exports) {
    if (ex.kind != ExternKind::kFunction)
      continue;
    engine::FunctionInstance& f = *inst.instance->functions.at(ex.index);
    std::vector<engine::Value> args(f.type.params.size(), engine::NullRef());
    auto result = engine::Invoke(f, args);
    ++report.calls;
    if (std::holds_alternative<engine::Trap>(result)) {
      ++report.traps;
    } else if (std::get<0>(result).size() != f.type.results.size()) {
      report.violation = "export \"" + ex.name + "\" returned " +
                         std::to_string(std::get<0>(result).size()) + " results, type says " +
                         std::to_string(f.type.results.size());
    }
  }
  return report;
}

}  // namespace capsa::fuzz
