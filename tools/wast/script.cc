#include "tools/wast/script.h"

#include <utility>

// Parse failures are reported through Result; a misuse of the json API must
// abort rather than throw.
#define JSON_NOEXCEPTION
#include <nlohmann/json.hpp>

namespace capsa::wast {
namespace {

using Json = nlohmann::json;

struct TypeEntry {
  std::string_view name;
  CommandType type;
};
constexpr TypeEntry kCommandTypes[] = {
    {"module", CommandType::kModule},
    {"register", CommandType::kRegister},
    {"action", CommandType::kAction},
    {"assert_return", CommandType::kAssertReturn},
    {"assert_trap", CommandType::kAssertTrap},
    {"assert_exhaustion", CommandType::kAssertExhaustion},
    {"assert_invalid", CommandType::kAssertInvalid},
    {"assert_malformed", CommandType::kAssertMalformed},
    {"assert_unlinkable", CommandType::kAssertUnlinkable},
    {"assert_uninstantiable", CommandType::kAssertUninstantiable},
};

Error Bad(uint32_t line, const std::string& what) {
  return MakeError(ErrorCode::kMalformed, "command at line " + std::to_string(line) + ": " + what);
}

// The string member `key`, or nullptr when it is absent or not a string.
const std::string* FindString(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

Result<std::string> RequireString(const Json& obj, const char* key, uint32_t line) {
  const std::string* s = FindString(obj, key);
  if (s == nullptr) return Bad(line, std::string("missing string \"") + key + "\"");
  return *s;
}

// Values are parsed leniently: an unrepresentable one marks the command
// unsupported instead of failing the whole script.
Result<void> ParseValues(const Json& obj, const char* key, uint32_t line, std::vector<WastValue>& out,
                         std::string& unsupported) {
  auto it = obj.find(key);
  if (it == obj.end()) return {};
  if (!it->is_array()) return Bad(line, std::string("\"") + key + "\" is not an array");
  for (const Json& v : *it) {
    if (!v.is_object()) return Bad(line, "a value is not an object");
    const std::string* type = FindString(v, "type");
    if (type == nullptr) return Bad(line, "a value has no type");
    Result<WastValue> parsed = ParseWastValue(*type, FindString(v, "value"));
    if (!parsed.ok()) {
      if (parsed.error().code != ErrorCode::kUnsupported) return Bad(line, parsed.error().message);
      unsupported = parsed.error().message;
      continue;
    }
    out.push_back(parsed.value());
  }
  return {};
}

Result<void> ParseAction(const Json& obj, Command& c) {
  auto it = obj.find("action");
  if (it == obj.end() || !it->is_object()) return Bad(c.line, "missing \"action\"");
  const Json& a = *it;
  TRY_ASSIGN(const std::string kind, RequireString(a, "type", c.line));
  if (kind == "invoke") {
    c.action.kind = Action::Kind::kInvoke;
  } else if (kind == "get") {
    c.action.kind = Action::Kind::kGet;
  } else {
    return Bad(c.line, "unknown action \"" + kind + "\"");
  }
  TRY_ASSIGN(c.action.field, RequireString(a, "field", c.line));
  if (const std::string* m = FindString(a, "module")) c.action.module = *m;
  return ParseValues(a, "args", c.line, c.action.args, c.unsupported);
}

Result<void> ParseModuleFile(const Json& obj, Command& c) {
  TRY_ASSIGN(c.filename, RequireString(obj, "filename", c.line));
  const std::string* module_type = FindString(obj, "module_type");
  if (module_type != nullptr) {
    c.format = *module_type == "text" ? ModuleFormat::kText : ModuleFormat::kBinary;
  } else {
    c.format = c.filename.ends_with(".wat") ? ModuleFormat::kText : ModuleFormat::kBinary;
  }
  return {};
}

Result<Command> ParseCommand(const Json& obj) {
  if (!obj.is_object()) return Bad(0, "not an object");
  Command c;
  auto line = obj.find("line");
  if (line != obj.end() && line->is_number_unsigned()) c.line = line->get<uint32_t>();
  TRY_ASSIGN(c.type_name, RequireString(obj, "type", c.line));
  for (const TypeEntry& e : kCommandTypes) {
    if (e.name == c.type_name) c.type = e.type;
  }
  if (const std::string* name = FindString(obj, "name")) c.name = *name;
  if (const std::string* text = FindString(obj, "text")) c.text = *text;
  switch (c.type) {
    case CommandType::kModule:
    case CommandType::kAssertInvalid:
    case CommandType::kAssertMalformed:
    case CommandType::kAssertUnlinkable:
    case CommandType::kAssertUninstantiable:
      TRY(ParseModuleFile(obj, c));
      break;
    case CommandType::kRegister: {
      TRY_ASSIGN(c.register_as, RequireString(obj, "as", c.line));
      break;
    }
    case CommandType::kAction:
    case CommandType::kAssertReturn:
    case CommandType::kAssertTrap:
    case CommandType::kAssertExhaustion:
      TRY(ParseAction(obj, c));
      TRY(ParseValues(obj, "expected", c.line, c.expected, c.unsupported));
      break;
    case CommandType::kUnknown:
      break;
  }
  return c;
}

}  // namespace

const char* CommandTypeName(CommandType t) {
  for (const TypeEntry& e : kCommandTypes) {
    if (e.type == t) return e.name.data();
  }
  return "unknown command";
}

Result<Script> ParseScript(std::string_view json_text) {
  Json doc = Json::parse(json_text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return MakeError(ErrorCode::kMalformed, "not a JSON object");
  }
  Script script;
  if (const std::string* src = FindString(doc, "source_filename")) script.source_filename = *src;
  auto commands = doc.find("commands");
  if (commands == doc.end() || !commands->is_array()) {
    return MakeError(ErrorCode::kMalformed, "missing \"commands\" array");
  }
  for (const Json& obj : *commands) {
    TRY_ASSIGN(Command c, ParseCommand(obj));
    script.commands.push_back(std::move(c));
  }
  return script;
}

}  // namespace capsa::wast
