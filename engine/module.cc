#include "engine/module.h"

namespace capsa::engine {

const char* ValTypeName(ValType t) {
  switch (t) {
    case ValType::kI32: return "i32";
    case ValType::kI64: return "i64";
    case ValType::kF32: return "f32";
    case ValType::kF64: return "f64";
    case ValType::kV128: return "v128";
    case ValType::kFuncRef: return "funcref";
    case ValType::kExternRef: return "externref";
  }
  return "?";
}

std::string Module::FunctionName(uint32_t func_index) const {
  auto it = function_names.find(func_index);
  if (it != function_names.end() && !it->second.empty()) return it->second;
  return "func[" + std::to_string(func_index) + "]";
}

bool IsDeclaredFuncRef(const Module& module, uint32_t func_index) {
  return func_index < module.declared_func_refs.size() && module.declared_func_refs[func_index];
}

}  // namespace capsa::engine
