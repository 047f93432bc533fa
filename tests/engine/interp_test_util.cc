#include "tests/engine/interp_test_util.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace capsa::engine::testing {

std::vector<uint8_t> ReadWasm(const std::string& name) {
  std::string path = std::string(CAPSA_INTERP_WASM_DIR) + "/" + name + ".wasm";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::unique_ptr<Harness> Harness::Load(const std::string& name, const Linker& linker,
                                       const InstanceOptions& options) {
  std::vector<uint8_t> bytes = ReadWasm(name);
  Result<std::shared_ptr<const Module>> module = LoadModule(bytes);
  if (!module.ok()) {
    ADD_FAILURE() << name << ": " << module.error().message;
    return nullptr;
  }
  InstantiateOutcome out = Instantiate(*module, linker, options);
  if (out.error) ADD_FAILURE() << name << ": " << out.error->message;
  if (out.trap) ADD_FAILURE() << name << ": trap " << out.trap->message;
  if (!out.instance || out.error || out.trap) return nullptr;
  auto h = std::unique_ptr<Harness>(new Harness);
  h->instance_ = std::move(out.instance);
  return h;
}

std::variant<std::vector<Value>, Trap> Harness::Call(const std::string& name, std::vector<Value> args) {
  FunctionInstance* f = instance_->FindExportedFunction(name);
  if (f == nullptr) {
    ADD_FAILURE() << "no exported function " << name;
    Trap t;
    t.kind = TrapKind::kHostError;
    t.message = "no such export";
    return t;
  }
  return Invoke(*f, args);
}

Value Harness::Get(const std::string& name, std::vector<Value> args) {
  auto r = Call(name, std::move(args));
  if (auto* trap = std::get_if<Trap>(&r)) {
    ADD_FAILURE() << name << " trapped: " << trap->message;
    return NullRef();
  }
  auto& values = std::get<std::vector<Value>>(r);
  if (values.size() != 1) {
    ADD_FAILURE() << name << " returned " << values.size() << " values";
    return NullRef();
  }
  return values[0];
}

Trap Harness::GetTrap(const std::string& name, std::vector<Value> args) {
  auto r = Call(name, std::move(args));
  if (auto* trap = std::get_if<Trap>(&r)) return *trap;
  ADD_FAILURE() << name << " returned instead of trapping";
  return Trap{};
}

}  // namespace capsa::engine::testing
