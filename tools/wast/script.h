// The command list of a spec-test script as wast2json writes it (its .json
// output; modules are separate .wasm/.wat files beside it). Parsing is pure:
// a field of the wrong shape makes the whole script fail to parse.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/result.h"
#include "tools/wast/wast_value.h"

namespace capsa::wast {

enum class CommandType : uint8_t {
  kModule,
  kRegister,
  kAction,
  kAssertReturn,
  kAssertTrap,
  kAssertExhaustion,
  kAssertInvalid,
  kAssertMalformed,
  kAssertUnlinkable,
  kAssertUninstantiable,
  kUnknown,  // a command this runner does not know: reported, never ignored
};

const char* CommandTypeName(CommandType t);

// Binary modules are .wasm files; text modules (module quote, or the text
// form of assert_malformed) are .wat files the runner does not parse.
enum class ModuleFormat : uint8_t { kBinary, kText };

struct Action {
  enum class Kind : uint8_t { kInvoke, kGet };
  Kind kind = Kind::kInvoke;
  std::string module;  // "$name", or empty for the most recent module
  std::string field;
  std::vector<WastValue> args;
};

struct Command {
  CommandType type = CommandType::kUnknown;
  std::string type_name;  // as written in the JSON
  uint32_t line = 0;
  std::string name;        // kModule: its "$name"; kRegister: the instance registered
  std::string register_as; // kRegister
  std::string filename;    // module commands and module assertions
  ModuleFormat format = ModuleFormat::kBinary;
  std::string text;        // expected failure / trap message
  Action action;           // kAction, kAssertReturn, kAssertTrap, kAssertExhaustion
  std::vector<WastValue> expected;
  // Set when a value in the command could not be represented (e.g. v128):
  // the command is then reported as failed with this reason.
  std::string unsupported;
};

struct Script {
  std::string source_filename;
  std::vector<Command> commands;
};

Result<Script> ParseScript(std::string_view json_text);

}  // namespace capsa::wast
