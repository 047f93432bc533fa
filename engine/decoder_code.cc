// The code section: local declarations are decoded and expanded here; the
// instruction bytes are copied for the function compiler, which decodes and
// validates them (engine/interp/compiler.h).
#include "engine/decoder.h"
#include "engine/decoder_internal.h"

namespace capsa::engine::decoder_internal {
namespace {

// A body whose bytes do not end in `end` (0x0b): report what the reference
// interpreter, which decodes on past the declared size, runs into.
Error MissingEndError(const BinaryReader& body, size_t code_start, size_t body_start) {
  BinaryReader past(body.bytes(), code_start, body.bytes().size(), body.what());
  auto r = SkipToFunctionEnd(past);
  if (!r.ok())
    return r.take_error();
  return body.Fail(body_start, "section size mismatch");
}

Result<FunctionBody> ReadBody(BinaryReader& r, uint64_t num_params) {
  TRY_ASSIGN(uint32_t size, r.Len32());
  const size_t body_start = r.pos();
  const size_t body_end = body_start + size;
  if (body_end > r.limit())
    return r.EndError();
  BinaryReader b(r.bytes(), body_start, body_end, r.what());

  FunctionBody body;
  const size_t locals_at = b.pos();
  TRY_ASSIGN(uint32_t groups, b.Len32());
  std::vector<std::pair<uint32_t, ValType>> decls;
  uint64_t total = num_params;
  for (uint32_t i = 0; i < groups; ++i) {
    TRY_ASSIGN(uint32_t count, b.U32());
    TRY_ASSIGN(ValType type, b.ReadValType());
    total += count;
    if (total > kMaxFunctionLocals)
      return b.Fail(locals_at, "too many locals");
    decls.emplace_back(count, type);
  }
  body.locals.reserve(total - num_params);
  for (auto [count, type] : decls)
    body.locals.insert(body.locals.end(), count, type);

  body.code_offset = b.pos();
  TRY_ASSIGN(auto code, b.Bytes(body_end - b.pos()));
  if (code.empty() || code.back() != 0x0B)
    return MissingEndError(b, body.code_offset, body_start);
  body.code.assign(code.begin(), code.end());
  r.Seek(body_end);
  return body;
}

}  // namespace

Result<void> DecodeCodeSection(BinaryReader& r, Module& m) {
  const std::string what = r.what();
  TRY_ASSIGN(uint32_t n, r.Len32());
  uint64_t total_locals = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t func_index = m.num_imported_functions + i;
    // Parameters count towards the locals limit when the type is known; the
    // validator reports bad type indices later.
    uint64_t num_params = 0;
    if (func_index < m.functions.size() && m.functions[func_index] < m.types.size()) {
      num_params = m.types[m.functions[func_index]].params.size();
    }
    r.set_what(what + ", function " + std::to_string(func_index));
    const size_t body_at = r.pos();
    TRY_ASSIGN(FunctionBody body, ReadBody(r, num_params));
    // Each body may declare kMaxFunctionLocals in a few bytes; bound the
    // expanded total so a small binary cannot make the decoder allocate
    // gigabytes.
    total_locals += body.locals.size();
    if (total_locals > kMaxModuleLocals)
      return r.Fail(body_at, "too many locals in the module", ErrorCode::kLimit);
    m.bodies.push_back(std::move(body));
  }
  r.set_what(what);
  return {};
}

}  // namespace capsa::engine::decoder_internal
