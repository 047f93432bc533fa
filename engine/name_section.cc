// The "name" custom section (module and function names). Tools emit it with
// varying care, and it never changes behaviour, so a malformed one is dropped
// rather than rejecting the module.
#include "engine/binary_reader.h"
#include "engine/decoder_internal.h"

namespace capsa::engine::decoder_internal {
namespace {

constexpr uint8_t kModuleNameSubsection = 0;
constexpr uint8_t kFunctionNamesSubsection = 1;

struct Names {
  std::string module;
  std::unordered_map<uint32_t, std::string> functions;
};

Result<void> ParseFunctionNames(BinaryReader& r, Names& out) {
  TRY_ASSIGN(uint32_t n, r.Len32());
  for (uint32_t i = 0; i < n; ++i) {
    TRY_ASSIGN(uint32_t index, r.U32());
    TRY_ASSIGN(std::string name, r.Name());
    out.functions[index] = std::move(name);
  }
  return {};
}

Result<Names> ParseNames(BinaryReader& r) {
  Names names;
  int last_id = -1;
  while (!r.AtEnd()) {
    TRY_ASSIGN(uint8_t id, r.U8());
    if (static_cast<int>(id) <= last_id)
      return r.Fail(r.pos(), "subsections out of order");
    last_id = id;
    TRY_ASSIGN(uint32_t size, r.Len32());
    const size_t start = r.pos();
    if (size > r.limit() - start)
      return r.EndError();
    BinaryReader sub(r.bytes(), start, start + size, r.what());
    if (id == kModuleNameSubsection) {
      TRY_ASSIGN(names.module, sub.Name());
    } else if (id == kFunctionNamesSubsection) {
      TRY(ParseFunctionNames(sub, names));
    } else {
      sub.Seek(start + size);  // local names and extended-name subsections: unused
    }
    if (sub.pos() != start + size)
      return r.Fail(start, "subsection size mismatch");
    r.Seek(start + size);
  }
  return names;
}

}  // namespace

void DecodeNameSection(std::span<const uint8_t> bytes, size_t begin, size_t end, Module& m) {
  if (begin > end || end > bytes.size())
    return;  // the caller checked the section's bounds; never read past them
  BinaryReader r(bytes, begin, end, "name section");
  auto names = ParseNames(r);
  if (!names.ok())
    return;
  m.name = std::move(names->module);
  m.function_names = std::move(names->functions);
}

}  // namespace capsa::engine::decoder_internal
