#include "engine/interp/type_ids.h"

#include <map>
#include <mutex>
#include <string>

namespace capsa::engine {

uint32_t CanonicalTypeId(const FuncType& type) {
  // Key: the param type bytes, a separator no ValType uses, the result bytes.
  std::string key;
  key.reserve(type.params.size() + type.results.size() + 1);
  for (ValType t : type.params) key.push_back(static_cast<char>(t));
  key.push_back('\0');
  for (ValType t : type.results) key.push_back(static_cast<char>(t));

  static std::mutex mu;
  static auto* ids = new std::map<std::string, uint32_t>;  // leaked: lives until exit
  std::lock_guard<std::mutex> lock(mu);
  auto [it, inserted] = ids->try_emplace(std::move(key), static_cast<uint32_t>(ids->size() + 1));
  return it->second;
}

}  // namespace capsa::engine
