// Runtime objects (the "store"): values, traps, linear memory, tables,
// globals, function instances and module instances, plus the public entry
// points that load, instantiate and invoke. This is the engine's API for the
// rest of capsa (caps/, launcher/, tools/).
//
// Threading: an Instance and everything it references is used by one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "engine/base/result.h"
#include "engine/module.h"

namespace capsa::engine {

class Instance;
struct FunctionInstance;

// One operand: the active member is given by the static type. References are
// FunctionInstance* for funcref (nullptr = null) and, for externref, a host
// value encoded by MakeExternRef (null = 0).
union Value {
  uint32_t i32;
  uint64_t i64;
  float f32;
  double f64;
  FunctionInstance* func;
  uint64_t bits;
};
static_assert(sizeof(Value) == 8);

inline Value I32(uint32_t v) { Value x; x.bits = 0; x.i32 = v; return x; }
inline Value I64(uint64_t v) { Value x; x.i64 = v; return x; }
inline Value F32(float v) { Value x; x.bits = 0; x.f32 = v; return x; }
inline Value F64(double v) { Value x; x.f64 = v; return x; }
inline Value NullRef() { Value x; x.bits = 0; return x; }
// externref values carry host integers; n + 1 so that 0 stays the null reference.
inline Value MakeExternRef(uint64_t n) { Value x; x.bits = n + 1; return x; }

enum class TrapKind : uint8_t {
  kUnreachable,
  kMemoryOutOfBounds,
  kTableOutOfBounds,
  kIntegerDivideByZero,
  kIntegerOverflow,
  kInvalidConversion,
  kIndirectCallTypeMismatch,
  kUndefinedElement,
  kUninitializedElement,
  kCallStackExhausted,
  kOutOfFuel,
  kHostError,  // a host function failed in a way the guest cannot observe as an errno
  kExit,       // proc_exit: not an error; exit_code holds the status
};

// The spec's wording for each kind ("integer divide by zero", ...).
const char* TrapKindMessage(TrapKind kind);

struct Trap {
  TrapKind kind = TrapKind::kUnreachable;
  std::string message;                  // defaults to TrapKindMessage(kind)
  std::vector<std::string> backtrace;   // innermost first: function names
  uint32_t exit_code = 0;               // kExit only
};

// Linear memory. The data pointer never moves: 8 GiB (4 GiB + the largest
// static offset, so base + u32 address + u32 offset never leaves it) is
// reserved up front and pages are committed as the memory grows, so hosts
// may keep the base pointer. When backed by a memfd (the worker), the memfd is
// grown with ftruncate and mapped MAP_SHARED so the broker sees the same bytes.
class LinearMemory {
 public:
  static constexpr uint64_t kPageSize = 65536;
  static constexpr uint64_t kMaxPages = 65536;

  // memfd < 0: anonymous private memory. max_bytes caps growth (policy limit).
  static Result<std::shared_ptr<LinearMemory>> Create(MemoryType type, int memfd = -1,
                                                      uint64_t max_bytes = kMaxPages * kPageSize);
  ~LinearMemory();
  LinearMemory(const LinearMemory&) = delete;
  LinearMemory& operator=(const LinearMemory&) = delete;

  uint8_t* data() const { return base_; }
  uint64_t size() const { return pages_ * kPageSize; }
  uint64_t pages() const { return pages_; }
  const MemoryType& type() const { return type_; }
  bool InBounds(uint64_t offset, uint64_t length) const {
    return offset <= size() && length <= size() - offset;
  }
  // Returns the old page count, or nullopt when growth is refused (limit, max, or OS).
  std::optional<uint64_t> Grow(uint64_t delta_pages);

 private:
  LinearMemory() = default;
  uint8_t* base_ = nullptr;
  uint64_t reserved_ = 0;
  uint64_t pages_ = 0;
  uint64_t max_pages_ = 0;  // min(type max, limit)
  int memfd_ = -1;
  MemoryType type_;
};

struct TableInstance {
  // capsa's cap on any table's size (80 MB of references), whatever its type
  // allows, and on the sum of the sizes of the tables one instance defines:
  // instantiation fails with kLimit above it and table.grow returns -1.
  // Without the sum, a module of a few hundred bytes declaring many large
  // tables would take gigabytes of host memory.
  static constexpr uint64_t kMaxElements = 10'000'000;

  TableType type;          // type.limits.min tracks the current size
  std::vector<Value> elements;
  // Elements that every table sharing this budget may still grow by (the
  // tables an instance defines share one); null: only kMaxElements applies.
  std::shared_ptr<uint64_t> shared_budget;
  // Returns the old size, or nullopt when the type's max or kMaxElements refuses.
  std::optional<uint64_t> Grow(uint64_t delta, Value init);
};

struct GlobalInstance {
  GlobalType type;
  Value value;
};

struct CallContext {
  Instance* caller;  // the instance whose code called the host function (may be null)
  LinearMemory* memory;  // the caller's memory 0, or null
};

// A host function: reads args, writes results (sizes match its FuncType).
// Returns nullopt on success or a Trap to unwind the guest (e.g. proc_exit).
using HostFunction = std::function<std::optional<Trap>(CallContext& ctx, std::span<const Value> args,
                                                       std::span<Value> results)>;

struct FunctionInstance {
  FuncType type;
  std::string name;                    // for traps and backtraces
  // Exactly one of the two is set.
  Instance* instance = nullptr;        // wasm function: owning instance
  const CompiledFunction* code = nullptr;
  uint32_t func_index = 0;             // index in the owning module's function space
  HostFunction host;                   // host function
  // Canonical signature id (engine/interp/type_ids.h), filled in lazily by the
  // interpreter; 0 = not computed yet.
  uint32_t type_id = 0;
};

// Something an import can be satisfied with.
struct Extern {
  ExternKind kind = ExternKind::kFunction;
  std::shared_ptr<FunctionInstance> func;
  std::shared_ptr<TableInstance> table;
  std::shared_ptr<LinearMemory> memory;
  std::shared_ptr<GlobalInstance> global;
};

// Resolves (module, name) imports. Missing entries make instantiation fail
// with ErrorCode::kUnlinkable naming the import.
class Linker {
 public:
  void Define(std::string module, std::string name, Extern value);
  void DefineHostFunction(std::string module, std::string name, FuncType type, HostFunction fn);
  // Registers every export of an instance under `module` (spec tests' `register`).
  void DefineInstance(const std::string& module, const Instance& instance);
  const Extern* Find(const std::string& module, const std::string& name) const;

 private:
  std::map<std::pair<std::string, std::string>, Extern> items_;
};

struct ExecLimits {
  uint32_t max_call_depth = 50000;           // wasm frames
  uint64_t max_value_stack_bytes = 64 << 20; // interpreter operand/locals stack
  std::optional<uint64_t> fuel;              // instruction budget (nullopt = unlimited)
};

struct InstanceOptions {
  int memfd = -1;                             // back memory 0 with this memfd (worker)
  uint64_t max_memory_bytes = LinearMemory::kMaxPages * LinearMemory::kPageSize;
  ExecLimits exec;
};

class Instance {
 public:
  std::shared_ptr<const Module> module;
  std::vector<std::shared_ptr<FunctionInstance>> functions;  // function index space
  std::vector<std::shared_ptr<TableInstance>> tables;
  std::vector<std::shared_ptr<LinearMemory>> memories;
  std::vector<std::shared_ptr<GlobalInstance>> globals;
  std::vector<bool> elem_dropped;
  std::vector<bool> data_dropped;
  ExecLimits exec;
  // Owned by the interpreter (operand stack etc.); released with the Instance
  // through the deleter the interpreter gives the shared_ptr.
  std::shared_ptr<void> interpreter_state;

  std::optional<Extern> FindExport(const std::string& name) const;
  // Export "name" if it is a function.
  FunctionInstance* FindExportedFunction(const std::string& name) const;
  ~Instance();
};

struct LoadOptions {
  // Compile fuel checks into loop headers. Without them loops run faster, and
  // instantiating with ExecLimits::fuel set fails (function entries are
  // always counted, so fuel stays accurate where it is enabled).
  bool fuel_metering = true;
};

// Decodes, validates and compiles. Errors are located:
//   "<section> section, function N, offset 0xOFF: message".
Result<std::shared_ptr<const Module>> LoadModule(std::span<const uint8_t> bytes,
                                                 const LoadOptions& options = {});

// Outcome of instantiation: an Instance, a link/limit Error, or a Trap raised
// by active segment initialisation or the start function.
struct InstantiateOutcome {
  // Set on success, and also when `trap` is set: a trap during segment
  // initialisation or the start function leaves earlier writes to imported
  // tables/memories in place (2.0 semantics), and those may reference this
  // instance's functions, so the caller must keep it alive as long as them.
  std::unique_ptr<Instance> instance;
  std::optional<Error> error;          // unlinkable / resource failure
  std::optional<Trap> trap;            // start function or segment init trapped
};
InstantiateOutcome Instantiate(std::shared_ptr<const Module> module, const Linker& linker,
                               const InstanceOptions& options);

// Calls a function (wasm or host). `args` must match its type; results are
// returned in order. Reentrant for host functions that call back in.
std::variant<std::vector<Value>, Trap> Invoke(FunctionInstance& func, std::span<const Value> args);

}  // namespace capsa::engine
