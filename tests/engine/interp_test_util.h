// Helpers for the interpreter tests: load a .wasm built from tests/engine/wat,
// instantiate it and call its exports with typed arguments.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "engine/runtime.h"

namespace capsa::engine::testing {

// Loads CAPSA_INTERP_WASM_DIR/<name>.wasm; fails the test on error.
std::vector<uint8_t> ReadWasm(const std::string& name);

class Harness {
 public:
  // Loads and instantiates <name>.wasm against `linker`.
  static std::unique_ptr<Harness> Load(const std::string& name, const Linker& linker = Linker(),
                                       const InstanceOptions& options = InstanceOptions());

  std::variant<std::vector<Value>, Trap> Call(const std::string& name, std::vector<Value> args = {});
  // The single result; fails the test on a trap.
  Value Get(const std::string& name, std::vector<Value> args = {});
  // The trap; fails the test if the call returns.
  Trap GetTrap(const std::string& name, std::vector<Value> args = {});

  Instance& instance() { return *instance_; }

 private:
  std::unique_ptr<Instance> instance_;
};

inline Value F32Bits(uint32_t bits) {
  Value v;
  v.bits = bits;
  return v;
}
inline uint32_t BitsOfF32(Value v) { return static_cast<uint32_t>(v.bits); }

}  // namespace capsa::engine::testing
