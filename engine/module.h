// The decoded form of a WebAssembly module: what the decoder produces and the
// validator, function compiler and instantiation consume. Plain data; no
// behaviour beyond small queries.
//
// Ownership: a Module is immutable once LoadModule() returns it and is shared
// (std::shared_ptr<const Module>) by every Instance made from it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace capsa::engine {

enum class ValType : uint8_t {
  kI32 = 0x7F,
  kI64 = 0x7E,
  kF32 = 0x7D,
  kF64 = 0x7C,
  kV128 = 0x7B,
  kFuncRef = 0x70,
  kExternRef = 0x6F,
};

const char* ValTypeName(ValType t);
inline bool IsRefType(ValType t) { return t == ValType::kFuncRef || t == ValType::kExternRef; }

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
};

struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;
};

struct TableType {
  ValType elem = ValType::kFuncRef;
  Limits limits;
};

struct MemoryType {
  Limits limits;  // in 64 KiB pages
};

enum class Mutability : uint8_t { kConst = 0, kVar = 1 };

struct GlobalType {
  ValType type = ValType::kI32;
  Mutability mut = Mutability::kConst;
};

enum class ExternKind : uint8_t { kFunction = 0, kTable = 1, kMemory = 2, kGlobal = 3 };

struct Import {
  uint64_t binary_offset = 0;    // where the entry starts in the module binary
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::kFunction;
  uint32_t func_type_index = 0;  // kFunction
  TableType table;               // kTable
  MemoryType memory;             // kMemory
  GlobalType global;             // kGlobal
};

struct Export {
  uint64_t binary_offset = 0;
  std::string name;
  ExternKind kind = ExternKind::kFunction;
  uint32_t index = 0;
};

// A WebAssembly 2.0 constant expression is exactly one instruction followed by `end`.
struct ConstExpr {
  enum class Kind : uint8_t { kI32Const, kI64Const, kF32Const, kF64Const, kRefNull, kRefFunc, kGlobalGet };
  // Well-formed expressions that are not a single constant instruction are
  // decoded (they are not malformed) and rejected by the module validator.
  enum class Problem : uint8_t {
    kNone,
    kNotConstant,   // contains a non-constant instruction: "constant expression required"
    kWrongArity,    // zero or several instructions: "type mismatch"
  };
  Kind kind = Kind::kI32Const;
  uint64_t bits = 0;  // the constant's bit pattern, or the func/global index
  ValType type = ValType::kI32;  // result type (for kRefNull: the reference type)
  Problem problem = Problem::kNone;
  uint64_t binary_offset = 0;  // of the first instruction
};

enum class SegmentMode : uint8_t { kActive, kPassive, kDeclarative };

struct ElemSegment {
  uint64_t binary_offset = 0;
  SegmentMode mode = SegmentMode::kActive;
  uint32_t table_index = 0;
  ConstExpr offset;  // kActive only
  ValType type = ValType::kFuncRef;
  std::vector<ConstExpr> init;  // one expression per element (func indices become kRefFunc)
};

struct DataSegment {
  uint64_t binary_offset = 0;
  SegmentMode mode = SegmentMode::kActive;  // kActive or kPassive
  uint32_t memory_index = 0;
  ConstExpr offset;  // kActive only
  std::vector<uint8_t> bytes;
};

struct FunctionBody {
  uint32_t type_index = 0;
  // Locals after the parameters, expanded (one entry per local).
  std::vector<ValType> locals;
  // The body's instruction bytes (after the local declarations), up to and including the final `end`.
  std::vector<uint8_t> code;
  // Offset of code[0] in the module binary, for located error messages.
  uint64_t code_offset = 0;
};

struct CompiledFunction;  // the function compiler's internal code (engine/compiler)
void DestroyCompiledFunction(CompiledFunction* f);
struct CompiledFunctionDeleter {
  void operator()(CompiledFunction* f) const { DestroyCompiledFunction(f); }
};
using CompiledFunctionPtr = std::unique_ptr<CompiledFunction, CompiledFunctionDeleter>;

// Where module-level definitions start in the binary, for located
// validation errors. Defined (not imported) entities only, in order.
struct ModuleOffsets {
  std::vector<uint64_t> types;
  std::vector<uint64_t> functions;  // function-section entries
  std::vector<uint64_t> tables;
  std::vector<uint64_t> memories;
  std::vector<uint64_t> globals;
  uint64_t start = 0;
};

struct Module {
  std::vector<FuncType> types;
  std::vector<Import> imports;

  // Index spaces: imports first, then definitions.
  std::vector<uint32_t> functions;      // type index of every function
  std::vector<TableType> tables;
  std::vector<MemoryType> memories;
  std::vector<GlobalType> globals;
  uint32_t num_imported_functions = 0;
  uint32_t num_imported_tables = 0;
  uint32_t num_imported_memories = 0;
  uint32_t num_imported_globals = 0;

  std::vector<ConstExpr> global_inits;  // for defined globals only, in order
  std::vector<Export> exports;
  std::optional<uint32_t> start;
  std::vector<ElemSegment> elems;
  std::vector<DataSegment> datas;
  std::optional<uint32_t> data_count;
  std::vector<FunctionBody> bodies;     // defined functions only

  // Name section (optional; absent names are empty).
  std::string name;
  std::unordered_map<uint32_t, std::string> function_names;

  // Filled by the function compiler, parallel to `bodies`.
  std::vector<CompiledFunctionPtr> compiled;
  // Whether `compiled` charges fuel at loop headers (LoadOptions); an instance
  // with a fuel limit needs it.
  bool fuel_metering = true;

  ModuleOffsets offsets;
  // Filled by the module validator: declared_func_refs[i] is true when
  // function i is referenced from an element segment, an export or a global
  // initialiser (or any other const expr outside function bodies); only those
  // may be named by ref.func inside a body.
  std::vector<bool> declared_func_refs;

  const FuncType& FunctionType(uint32_t func_index) const { return types[functions[func_index]]; }
  // "name" from the name section, else "func[N]".
  std::string FunctionName(uint32_t func_index) const;
};

// True when `ref.func func_index` is allowed in a function body of `module`
// (C.refs in the spec). False for out-of-range indices.
bool IsDeclaredFuncRef(const Module& module, uint32_t func_index);

}  // namespace capsa::engine
