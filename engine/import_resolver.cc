#include "engine/import_resolver.h"

namespace capsa::engine {
namespace {

const char* KindName(ExternKind k) {
  switch (k) {
    case ExternKind::kFunction:
      return "function";
    case ExternKind::kTable:
      return "table";
    case ExternKind::kMemory:
      return "memory";
    case ExternKind::kGlobal:
      return "global";
  }
  return "?";
}

std::string LimitsString(const Limits& l) {
  std::string s = "{min " + std::to_string(l.min);
  if (l.max)
    s += ", max " + std::to_string(*l.max);
  return s + "}";
}

// Limits `actual` match `expected` when they are at least as tight.
bool LimitsMatch(const Limits& actual, const Limits& expected) {
  if (actual.min < expected.min)
    return false;
  if (!expected.max)
    return true;
  return actual.max && *actual.max <= *expected.max;
}

std::string GlobalTypeString(const GlobalType& g) {
  std::string t = ValTypeName(g.type);
  return g.mut == Mutability::kVar ? "(mut " + t + ")" : t;
}

// Empty when `e` matches `im`, else why not.
std::string Mismatch(const Module& module, const Import& im, const Extern& e) {
  if (e.kind != im.kind)
    return std::string("expected ") + KindName(im.kind) + ", got " + KindName(e.kind);
  switch (im.kind) {
    case ExternKind::kFunction: {
      const FuncType& want = module.types[im.func_type_index];
      if (!e.func)
        return "missing function";
      if (e.func->type == want)
        return {};
      return "expected " + FuncTypeString(want) + ", got " + FuncTypeString(e.func->type);
    }
    case ExternKind::kTable: {
      if (!e.table)
        return "missing table";
      Limits actual{e.table->elements.size(), e.table->type.limits.max};
      if (e.table->type.elem != im.table.elem) {
        return std::string("expected ") + ValTypeName(im.table.elem) + " table, got " +
               ValTypeName(e.table->type.elem);
      }
      if (LimitsMatch(actual, im.table.limits))
        return {};
      return "table limits " + LimitsString(actual) + " do not match " +
             LimitsString(im.table.limits);
    }
    case ExternKind::kMemory: {
      if (!e.memory)
        return "missing memory";
      Limits actual{e.memory->pages(), e.memory->type().limits.max};
      if (LimitsMatch(actual, im.memory.limits))
        return {};
      return "memory limits " + LimitsString(actual) + " do not match " +
             LimitsString(im.memory.limits);
    }
    case ExternKind::kGlobal: {
      if (!e.global)
        return "missing global";
      const GlobalType& g = e.global->type;
      if (g.type == im.global.type && g.mut == im.global.mut)
        return {};
      return "expected global " + GlobalTypeString(im.global) + ", got " + GlobalTypeString(g);
    }
  }
  return "unknown kind";
}

}  // namespace

std::string FuncTypeString(const FuncType& t) {
  auto list = [](const std::vector<ValType>& v) {
    std::string s = "(";
    for (size_t i = 0; i < v.size(); ++i)
      s += (i ? ", " : "") + std::string(ValTypeName(v[i]));
    return s + ")";
  };
  return list(t.params) + " -> " + list(t.results);
}

Result<Extern> ResolveImport(const Module& module, const Import& im, const Linker& linker) {
  const std::string who = "import \"" + im.module + "\".\"" + im.name + "\": ";
  const Extern* e = linker.Find(im.module, im.name);
  if (e == nullptr)
    return Error{ErrorCode::kUnlinkable, who + "unknown import"};
  std::string why = Mismatch(module, im, *e);
  if (!why.empty())
    return Error{ErrorCode::kUnlinkable, who + "incompatible import type: " + why};
  return *e;
}

}  // namespace capsa::engine
