// LoadModule: decode → validate the module → compile every function body.
#include "engine/decoder.h"
#include "engine/interp/compiler.h"
#include "engine/module_validator.h"
#include "engine/runtime.h"

namespace capsa::engine {

Result<std::shared_ptr<const Module>> LoadModule(std::span<const uint8_t> bytes,
                                                 const LoadOptions& options) {
  TRY_ASSIGN(Module decoded, DecodeModule(bytes));
  TRY(ValidateModule(decoded));
  auto module = std::make_shared<Module>(std::move(decoded));
  module->fuel_metering = options.fuel_metering;
  module->compiled.reserve(module->bodies.size());
  for (uint32_t i = 0; i < module->bodies.size(); ++i) {
    TRY_ASSIGN(CompiledFunctionPtr f, CompileFunction(*module, i));
    module->compiled.push_back(std::move(f));
  }
  return std::shared_ptr<const Module>(std::move(module));
}

}  // namespace capsa::engine
