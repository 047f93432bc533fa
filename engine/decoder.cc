// Top level of the decoder: header, section framing and ordering, and the
// sections whose entries are simple types. Segments, code and names live in
// decoder_segments.cc, decoder_code.cc and name_section.cc.
#include "engine/decoder.h"

#include <cstring>

#include "engine/binary_reader.h"
#include "engine/decoder_internal.h"

namespace capsa::engine {
namespace {

using decoder_internal::ReadConstExpr;

enum SectionId : uint8_t {
  kCustom = 0,
  kType = 1,
  kImport = 2,
  kFunction = 3,
  kTable = 4,
  kMemory = 5,
  kGlobal = 6,
  kExport = 7,
  kStart = 8,
  kElem = 9,
  kCode = 10,
  kData = 11,
  kDataCount = 12,
};

const char* SectionName(uint8_t id) {
  static constexpr const char* kNames[] = {"custom", "type",   "import",    "function", "table",
                                           "memory", "global", "export",    "start",    "element",
                                           "code",   "data",   "data count"};
  return id < std::size(kNames) ? kNames[id] : "unknown";
}

// Position of each non-custom section in the required order (data count
// comes between element and code).
int SectionOrder(uint8_t id) {
  switch (id) {
    case kDataCount:
      return 10;
    case kCode:
      return 11;
    case kData:
      return 12;
    default:
      return id;
  }
}

Result<FuncType> ReadFuncType(BinaryReader& r) {
  size_t at = r.pos();
  TRY_ASSIGN(uint8_t form, r.TypeByte());
  if (form != 0x60)
    return r.Fail(at, "malformed function type");
  FuncType t;
  for (auto* list : {&t.params, &t.results}) {
    TRY_ASSIGN(uint32_t n, r.Len32());
    list->reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      TRY_ASSIGN(ValType v, r.ReadValType());
      list->push_back(v);
    }
  }
  return t;
}

Result<TableType> ReadTableType(BinaryReader& r) {
  TableType t;
  TRY_ASSIGN(t.elem, r.ReadRefType());
  TRY_ASSIGN(t.limits, r.ReadLimits());
  return t;
}

Result<GlobalType> ReadGlobalType(BinaryReader& r) {
  GlobalType g;
  TRY_ASSIGN(g.type, r.ReadValType());
  size_t at = r.pos();
  TRY_ASSIGN(uint8_t mut, r.U8());
  if (mut > 1)
    return r.Fail(at, "malformed mutability");
  g.mut = static_cast<Mutability>(mut);
  return g;
}

Result<void> DecodeTypeSection(BinaryReader& r, Module& m) {
  TRY_ASSIGN(uint32_t n, r.Len32());
  for (uint32_t i = 0; i < n; ++i) {
    m.offsets.types.push_back(r.pos());
    TRY_ASSIGN(FuncType t, ReadFuncType(r));
    m.types.push_back(std::move(t));
  }
  return {};
}

Result<void> DecodeImportSection(BinaryReader& r, Module& m) {
  TRY_ASSIGN(uint32_t n, r.Len32());
  for (uint32_t i = 0; i < n; ++i) {
    Import im;
    im.binary_offset = r.pos();
    TRY_ASSIGN(im.module, r.Name());
    TRY_ASSIGN(im.name, r.Name());
    size_t at = r.pos();
    TRY_ASSIGN(uint8_t kind, r.U8());
    switch (kind) {
      case 0: {
        TRY_ASSIGN(im.func_type_index, r.U32());
        m.functions.push_back(im.func_type_index);
        ++m.num_imported_functions;
        break;
      }
      case 1: {
        TRY_ASSIGN(im.table, ReadTableType(r));
        m.tables.push_back(im.table);
        ++m.num_imported_tables;
        break;
      }
      case 2: {
        TRY_ASSIGN(im.memory.limits, r.ReadLimits());
        m.memories.push_back(im.memory);
        ++m.num_imported_memories;
        break;
      }
      case 3: {
        TRY_ASSIGN(im.global, ReadGlobalType(r));
        m.globals.push_back(im.global);
        ++m.num_imported_globals;
        break;
      }
      default:
        return r.Fail(at, "malformed import kind");
    }
    im.kind = static_cast<ExternKind>(kind);
    m.imports.push_back(std::move(im));
  }
  return {};
}

Result<void> DecodeFunctionSection(BinaryReader& r, Module& m) {
  TRY_ASSIGN(uint32_t n, r.Len32());
  for (uint32_t i = 0; i < n; ++i) {
    m.offsets.functions.push_back(r.pos());
    TRY_ASSIGN(uint32_t type_index, r.U32());
    m.functions.push_back(type_index);
  }
  return {};
}

Result<void> DecodeTableSection(BinaryReader& r, Module& m) {
  TRY_ASSIGN(uint32_t n, r.Len32());
  for (uint32_t i = 0; i < n; ++i) {
    m.offsets.tables.push_back(r.pos());
    TRY_ASSIGN(TableType t, ReadTableType(r));
    m.tables.push_back(t);
  }
  return {};
}

Result<void> DecodeMemorySection(BinaryReader& r, Module& m) {
  TRY_ASSIGN(uint32_t n, r.Len32());
  for (uint32_t i = 0; i < n; ++i) {
    m.offsets.memories.push_back(r.pos());
    MemoryType t;
    TRY_ASSIGN(t.limits, r.ReadLimits());
    m.memories.push_back(t);
  }
  return {};
}

Result<void> DecodeGlobalSection(BinaryReader& r, Module& m) {
  TRY_ASSIGN(uint32_t n, r.Len32());
  for (uint32_t i = 0; i < n; ++i) {
    m.offsets.globals.push_back(r.pos());
    TRY_ASSIGN(GlobalType g, ReadGlobalType(r));
    TRY_ASSIGN(ConstExpr init, ReadConstExpr(r));
    m.globals.push_back(g);
    m.global_inits.push_back(init);
  }
  return {};
}

Result<void> DecodeExportSection(BinaryReader& r, Module& m) {
  TRY_ASSIGN(uint32_t n, r.Len32());
  for (uint32_t i = 0; i < n; ++i) {
    Export e;
    e.binary_offset = r.pos();
    TRY_ASSIGN(e.name, r.Name());
    size_t at = r.pos();
    TRY_ASSIGN(uint8_t kind, r.U8());
    if (kind > 3)
      return r.Fail(at, "malformed export kind");
    e.kind = static_cast<ExternKind>(kind);
    TRY_ASSIGN(e.index, r.U32());
    m.exports.push_back(std::move(e));
  }
  return {};
}

Result<void> DecodeCustomSection(BinaryReader& r, size_t end, Module& m) {
  // Len32 bounds a length from before its own LEB128 (the spec's wording for
  // vector counts depends on it), so a section may claim up to 5 bytes past
  // the binary; a custom section's payload is never read, so check it here
  // (fuzzing found the name section read past the buffer).
  if (end > r.bytes().size())
    return r.Fail(r.pos(), "length out of bounds");
  Result<std::string> name = r.Name();
  if (!name.ok())
    return name.take_error();
  if (r.pos() > end)
    return r.Fail(end, "unexpected end of section or function");
  if (name.value().compare("name") == 0)
    decoder_internal::DecodeNameSection(r.bytes(), r.pos(), end, m);
  r.Seek(end);
  return {};
}

Result<void> DecodeSectionPayload(uint8_t id, BinaryReader& r, size_t end, Module& m) {
  switch (id) {
    case kCustom:
      return DecodeCustomSection(r, end, m);
    case kType:
      return DecodeTypeSection(r, m);
    case kImport:
      return DecodeImportSection(r, m);
    case kFunction:
      return DecodeFunctionSection(r, m);
    case kTable:
      return DecodeTableSection(r, m);
    case kMemory:
      return DecodeMemorySection(r, m);
    case kGlobal:
      return DecodeGlobalSection(r, m);
    case kExport:
      return DecodeExportSection(r, m);
    case kStart: {
      m.offsets.start = r.pos();
      TRY_ASSIGN(uint32_t f, r.U32());
      m.start = f;
      return {};
    }
    case kElem:
      return decoder_internal::DecodeElemSection(r, m);
    case kCode:
      return decoder_internal::DecodeCodeSection(r, m);
    case kData:
      return decoder_internal::DecodeDataSection(r, m);
    case kDataCount: {
      TRY_ASSIGN(uint32_t n, r.U32());
      m.data_count = n;
      return {};
    }
  }
  return r.Fail(r.pos(), "malformed section id");
}

Result<void> DecodeHeader(BinaryReader& top) {
  static constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6D};
  TRY_ASSIGN(uint32_t magic, top.Fixed32());
  uint32_t want;
  std::memcpy(&want, kMagic, 4);
  if (magic != want)
    return top.Fail(0, "magic header not detected");
  TRY_ASSIGN(uint32_t version, top.Fixed32());
  if (version != 1)
    return top.Fail(4, "unknown binary version");
  return {};
}

}  // namespace

Result<Module> DecodeModule(std::span<const uint8_t> bytes) {
  Module m;
  BinaryReader top(bytes, 0, bytes.size(), "module header", "unexpected end");
  TRY(DecodeHeader(top));
  top.set_what("module");
  int last_order = 0;
  while (!top.AtEnd()) {
    size_t id_at = top.pos();
    TRY_ASSIGN(uint8_t id, top.U8());
    if (id > kDataCount)
      return top.Fail(id_at, "malformed section id");
    if (id != kCustom) {
      if (SectionOrder(id) <= last_order)
        return top.Fail(id_at, "unexpected content after last section");
      last_order = SectionOrder(id);
    }
    top.set_what(std::string(SectionName(id)) + " section");
    TRY_ASSIGN(uint32_t size, top.Len32());
    size_t start = top.pos();
    size_t end = start + size;
    // Like the reference interpreter, entries are read up to the end of the
    // binary, not of the section; a section whose entries overrun it (or stop
    // short) is then a "section size mismatch". Reading on gives the spec's
    // wording for what the overrun meets (an overlong LEB128, a length out of
    // bounds), and every read is still bounded by the binary.
    BinaryReader r(bytes, start, bytes.size(), top.what());
    TRY(DecodeSectionPayload(id, r, end, m));
    if (r.pos() != end)
      return r.Fail(start, "section size mismatch");
    top.Seek(end);
    top.set_what("module");
  }
  const size_t end = bytes.size();
  size_t defined = m.functions.size() - m.num_imported_functions;
  if (defined != m.bodies.size()) {
    top.set_what("code section");
    return top.Fail(end, "function and code section have inconsistent lengths");
  }
  for (size_t i = 0; i < defined; ++i)
    m.bodies[i].type_index = m.functions[m.num_imported_functions + i];
  if (m.data_count && *m.data_count != m.datas.size()) {
    top.set_what("data section");
    return top.Fail(end, "data count and data section have inconsistent lengths");
  }
  return m;
}

}  // namespace capsa::engine
