// Pieces of the module decoder shared between its files. Not a public API:
// use engine/decoder.h.
#pragma once

#include <cstddef>
#include <span>

#include "engine/base/result.h"
#include "engine/binary_reader.h"
#include "engine/module.h"

namespace capsa::engine::decoder_internal {

// Reads a constant expression up to and including its `end`. Well-formed but
// non-constant or multi-instruction expressions are returned with
// ConstExpr::problem set (the validator reports them); bytes that are not
// instructions at all are malformed.
Result<ConstExpr> ReadConstExpr(BinaryReader& r);

// Steps over instructions up to the `end` that closes a function body, to
// find what a body that does not end in `end` runs into: the reference
// interpreter decodes on past the body's declared size, and the spec tests
// expect that error (an overlong LEB128, a stray `else`, the end of the
// binary), or "section size mismatch" when it meets an `end` after the body.
Result<void> SkipToFunctionEnd(BinaryReader& r);

// Section payload decoders. `r` is bounded by the end of the binary, not of
// the section (see DecodeModule).
Result<void> DecodeElemSection(BinaryReader& r, Module& m);
Result<void> DecodeDataSection(BinaryReader& r, Module& m);
Result<void> DecodeCodeSection(BinaryReader& r, Module& m);

// Fills m.name and m.function_names from a "name" custom section payload
// [begin, end). A malformed name section is ignored: it leaves `m` unchanged.
void DecodeNameSection(std::span<const uint8_t> bytes, size_t begin, size_t end, Module& m);

}  // namespace capsa::engine::decoder_internal
