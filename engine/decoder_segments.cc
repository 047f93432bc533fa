// Element and data sections: all eight element encodings and the three data
// encodings of WebAssembly 2.0.
#include "engine/decoder_internal.h"

namespace capsa::engine::decoder_internal {
namespace {

Result<ValType> ReadElemKind(BinaryReader& r) {
  size_t at = r.pos();
  TRY_ASSIGN(uint8_t kind, r.U8());
  if (kind != 0x00)
    return r.Fail(at, "malformed element kind");
  return ValType::kFuncRef;
}

Result<void> ReadFuncIndices(BinaryReader& r, ElemSegment& seg) {
  TRY_ASSIGN(uint32_t n, r.Len32());
  seg.init.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    ConstExpr e;
    e.binary_offset = r.pos();
    TRY_ASSIGN(uint32_t f, r.U32());
    e.kind = ConstExpr::Kind::kRefFunc;
    e.bits = f;
    e.type = ValType::kFuncRef;
    seg.init.push_back(e);
  }
  return {};
}

Result<void> ReadInitExprs(BinaryReader& r, ElemSegment& seg) {
  TRY_ASSIGN(uint32_t n, r.Len32());
  seg.init.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    TRY_ASSIGN(ConstExpr e, ReadConstExpr(r));
    seg.init.push_back(e);
  }
  return {};
}

Result<ElemSegment> ReadElemSegment(BinaryReader& r) {
  ElemSegment seg;
  seg.binary_offset = r.pos();
  TRY_ASSIGN(uint32_t flags, r.U32());
  if (flags > 7)
    return r.Fail(seg.binary_offset, "malformed elements segment kind");
  // Bit 0: passive or declarative (bit 1 picks which); else active, with an
  // explicit table index when bit 1 is set. Bit 2: expressions, not indices.
  const bool not_active = flags & 1;
  const bool bit1 = flags & 2;
  const bool exprs = flags & 4;
  if (not_active) {
    seg.mode = bit1 ? SegmentMode::kDeclarative : SegmentMode::kPassive;
  } else {
    seg.mode = SegmentMode::kActive;
    if (bit1) {
      TRY_ASSIGN(seg.table_index, r.U32());
    }
    TRY_ASSIGN(seg.offset, ReadConstExpr(r));
  }
  // Flags 0 and 4 have no explicit element type: funcref.
  if (not_active || bit1) {
    if (exprs) {
      TRY_ASSIGN(seg.type, r.ReadRefType());
    } else {
      TRY_ASSIGN(seg.type, ReadElemKind(r));
    }
  }
  if (exprs) {
    TRY(ReadInitExprs(r, seg));
  } else {
    TRY(ReadFuncIndices(r, seg));
  }
  return seg;
}

}  // namespace

Result<void> DecodeElemSection(BinaryReader& r, Module& m) {
  TRY_ASSIGN(uint32_t n, r.Len32());
  for (uint32_t i = 0; i < n; ++i) {
    TRY_ASSIGN(ElemSegment seg, ReadElemSegment(r));
    m.elems.push_back(std::move(seg));
  }
  return {};
}

Result<void> DecodeDataSection(BinaryReader& r, Module& m) {
  TRY_ASSIGN(uint32_t n, r.Len32());
  for (uint32_t i = 0; i < n; ++i) {
    DataSegment seg;
    seg.binary_offset = r.pos();
    TRY_ASSIGN(uint32_t flags, r.U32());
    switch (flags) {
      case 0: {
        TRY_ASSIGN(seg.offset, ReadConstExpr(r));
        break;
      }
      case 1:
        seg.mode = SegmentMode::kPassive;
        break;
      case 2: {
        TRY_ASSIGN(seg.memory_index, r.U32());
        TRY_ASSIGN(seg.offset, ReadConstExpr(r));
        break;
      }
      default:
        return r.Fail(seg.binary_offset, "malformed data segment kind");
    }
    TRY_ASSIGN(uint32_t size, r.Len32());
    TRY_ASSIGN(auto bytes, r.Bytes(size));
    seg.bytes.assign(bytes.begin(), bytes.end());
    m.datas.push_back(std::move(seg));
  }
  return {};
}

}  // namespace capsa::engine::decoder_internal
