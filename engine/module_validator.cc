#include "engine/module_validator.h"

#include <cstdio>
#include <string>
#include <unordered_set>

namespace capsa::engine {
namespace {

constexpr uint64_t kMaxTableSize = 0xFFFFFFFFull;
constexpr uint64_t kMaxMemoryPages = 65536;

class Validator {
 public:
  explicit Validator(Module& m) : m_(m) {}
  Result<void> Run();

 private:
  Error Fail(const char* section, uint64_t offset, const std::string& what) const {
    char where[40];
    std::snprintf(where, sizeof where,
                  " section, offset 0x%llx: ", static_cast<unsigned long long>(offset));
    return Error{ErrorCode::kInvalid, std::string(section) + where + what};
  }
  Error Unknown(const char* section, uint64_t offset, const char* category, uint64_t index) const {
    return Fail(section, offset, std::string("unknown ") + category + " " + std::to_string(index));
  }

  Result<void> CheckTypeIndex(const char* section, uint64_t offset, uint32_t index) const {
    if (index >= m_.types.size())
      return Unknown(section, offset, "type", index);
    return {};
  }
  Result<void> CheckLimits(const char* section,
                           uint64_t offset,
                           const Limits& l,
                           uint64_t range,
                           const char* too_big) const;
  Result<void> CheckMemoryType(const char* section, uint64_t offset, const MemoryType& t) const {
    return CheckLimits(section, offset, t.limits, kMaxMemoryPages,
                       "memory size must be at most 65536 pages (4GiB)");
  }
  Result<void> CheckConstExpr(const char* section, ConstExpr& e, ValType want);
  Result<void> CheckImports();
  Result<void> CheckElems();
  Result<void> CheckDatas();
  Result<void> CheckExports();

  Module& m_;
};

Result<void> Validator::CheckLimits(const char* section,
                                    uint64_t offset,
                                    const Limits& l,
                                    uint64_t range,
                                    const char* too_big) const {
  if (l.min > range)
    return Fail(section, offset, too_big);
  if (l.max) {
    if (*l.max > range)
      return Fail(section, offset, too_big);
    if (l.min > *l.max)
      return Fail(section, offset, "size minimum must not be greater than maximum");
  }
  return {};
}

// 2.0 constant expressions see only imported globals, which must be immutable.
Result<void> Validator::CheckConstExpr(const char* section, ConstExpr& e, ValType want) {
  const uint64_t at = e.binary_offset;
  if (e.problem == ConstExpr::Problem::kNotConstant)
    return Fail(section, at, "constant expression required");
  if (e.problem == ConstExpr::Problem::kWrongArity)
    return Fail(section, at, "type mismatch");
  switch (e.kind) {
    case ConstExpr::Kind::kGlobalGet:
      if (e.bits >= m_.num_imported_globals)
        return Unknown(section, at, "global", e.bits);
      if (m_.globals[e.bits].mut != Mutability::kConst)
        return Fail(section, at, "constant expression required");
      e.type = m_.globals[e.bits].type;
      break;
    case ConstExpr::Kind::kRefFunc:
      if (e.bits >= m_.functions.size())
        return Unknown(section, at, "function", e.bits);
      m_.declared_func_refs[e.bits] = true;
      break;
    default:
      break;
  }
  if (e.type != want) {
    return Fail(section, at,
                std::string("type mismatch: expected ") + ValTypeName(want) + ", got " +
                    ValTypeName(e.type));
  }
  return {};
}

Result<void> Validator::CheckImports() {
  for (const Import& im : m_.imports) {
    const uint64_t at = im.binary_offset;
    switch (im.kind) {
      case ExternKind::kFunction:
        TRY(CheckTypeIndex("import", at, im.func_type_index));
        break;
      case ExternKind::kTable:
        TRY(CheckLimits("import", at, im.table.limits, kMaxTableSize,
                        "table size must be at most 2^32-1"));
        break;
      case ExternKind::kMemory:
        TRY(CheckMemoryType("import", at, im.memory));
        break;
      case ExternKind::kGlobal:
        break;
    }
  }
  return {};
}

Result<void> Validator::CheckElems() {
  for (ElemSegment& seg : m_.elems) {
    for (ConstExpr& e : seg.init)
      TRY(CheckConstExpr("element", e, seg.type));
    if (seg.mode != SegmentMode::kActive)
      continue;
    if (seg.table_index >= m_.tables.size())
      return Unknown("element", seg.binary_offset, "table", seg.table_index);
    ValType table_elem = m_.tables[seg.table_index].elem;
    if (table_elem != seg.type) {
      return Fail("element", seg.binary_offset,
                  std::string("type mismatch: element segment's type ") + ValTypeName(seg.type) +
                      " does not match table's element type " + ValTypeName(table_elem));
    }
    TRY(CheckConstExpr("element", seg.offset, ValType::kI32));
  }
  return {};
}

Result<void> Validator::CheckDatas() {
  for (DataSegment& seg : m_.datas) {
    if (seg.mode != SegmentMode::kActive)
      continue;
    if (seg.memory_index >= m_.memories.size())
      return Unknown("data", seg.binary_offset, "memory", seg.memory_index);
    TRY(CheckConstExpr("data", seg.offset, ValType::kI32));
  }
  return {};
}

Result<void> Validator::CheckExports() {
  std::unordered_set<std::string> names;
  for (const Export& ex : m_.exports) {
    const uint64_t at = ex.binary_offset;
    switch (ex.kind) {
      case ExternKind::kFunction:
        if (ex.index >= m_.functions.size())
          return Unknown("export", at, "function", ex.index);
        break;
      case ExternKind::kTable:
        if (ex.index >= m_.tables.size())
          return Unknown("export", at, "table", ex.index);
        break;
      case ExternKind::kMemory:
        if (ex.index >= m_.memories.size())
          return Unknown("export", at, "memory", ex.index);
        break;
      case ExternKind::kGlobal:
        if (ex.index >= m_.globals.size())
          return Unknown("export", at, "global", ex.index);
        break;
    }
    if (!names.insert(ex.name).second)
      return Fail("export", at, "duplicate export name \"" + ex.name + "\"");
  }
  return {};
}

// Checks in the reference interpreter's order, so that a module with several
// problems reports the one the spec tests expect.
Result<void> Validator::Run() {
  m_.declared_func_refs.assign(m_.functions.size(), false);
  for (const Export& ex : m_.exports) {
    if (ex.kind == ExternKind::kFunction && ex.index < m_.functions.size())
      m_.declared_func_refs[ex.index] = true;
  }
  TRY(CheckImports());
  for (size_t i = m_.num_imported_functions; i < m_.functions.size(); ++i) {
    TRY(CheckTypeIndex("function", m_.offsets.functions[i - m_.num_imported_functions],
                       m_.functions[i]));
  }
  for (size_t i = 0; i < m_.global_inits.size(); ++i) {
    TRY(CheckConstExpr("global", m_.global_inits[i], m_.globals[m_.num_imported_globals + i].type));
  }
  for (size_t i = m_.num_imported_tables; i < m_.tables.size(); ++i) {
    TRY(CheckLimits("table", m_.offsets.tables[i - m_.num_imported_tables], m_.tables[i].limits,
                    kMaxTableSize, "table size must be at most 2^32-1"));
  }
  for (size_t i = m_.num_imported_memories; i < m_.memories.size(); ++i) {
    TRY(CheckMemoryType("memory", m_.offsets.memories[i - m_.num_imported_memories],
                        m_.memories[i]));
  }
  TRY(CheckElems());
  TRY(CheckDatas());
  if (m_.start) {
    if (*m_.start >= m_.functions.size())
      return Unknown("start", m_.offsets.start, "function", *m_.start);
    if (!(m_.FunctionType(*m_.start) == FuncType{})) {
      return Fail("start", m_.offsets.start, "start function must not have parameters or results");
    }
  }
  TRY(CheckExports());
  if (m_.memories.size() > 1) {
    uint64_t at = m_.offsets.memories.empty() ? 0 : m_.offsets.memories.back();
    return Fail("memory", at, "multiple memories are not allowed");
  }
  return {};
}

}  // namespace

Result<void> ValidateModule(Module& module) {
  return Validator(module).Run();
}

}  // namespace capsa::engine
