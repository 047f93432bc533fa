// One script's execution state: the linker (spectest + registered instances),
// the instances made so far, and the module that unnamed actions address.
// Internal to capsa_wast; use RunScript() / RunWastFile().
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/runtime.h"
#include "tools/wast/runner.h"
#include "tools/wast/script.h"

namespace capsa::wast {

// The outcome of one command.
struct Verdict {
  enum class Kind : uint8_t { kPass, kFail, kSkip };
  Kind kind = Kind::kPass;
  std::string detail;  // kFail: "expected ..., got ..."; kSkip: why
  std::string note;    // kPass: a tolerated difference, shown at Verbosity::kNotes

  static Verdict Pass(std::string note = {}) { return {Kind::kPass, {}, std::move(note)}; }
  static Verdict Fail(std::string detail) { return {Kind::kFail, std::move(detail), {}}; }
  static Verdict Skip(std::string why) { return {Kind::kSkip, std::move(why), {}}; }
};

// What a script's module name (or "the current module") refers to.
struct ModuleSlot {
  enum class State : uint8_t { kReady, kFailed, kSkipped };
  State state = State::kFailed;
  engine::Instance* instance = nullptr;  // kReady; owned by ScriptRunner::instances_
  uint32_t line = 0;                     // the module command that defined it
};

// The result of performing an action (invoke or get).
struct ActionOutcome {
  enum class Kind : uint8_t { kValues, kTrap, kError, kSkip };
  Kind kind = Kind::kError;
  std::vector<engine::ValType> types;
  std::vector<engine::Value> values;
  engine::Trap trap;
  std::string error;  // kError / kSkip: why the action could not run
};

class ScriptRunner {
 public:
  ScriptRunner(std::string dir, std::string label, const WastOptions& options);
  void Run(const Command& c);
  const WastCounts& counts() const { return counts_; }

 private:
  Verdict Dispatch(const Command& c);
  void Report(const Command& c, const Verdict& v);

  // Module commands (module_commands.cc).
  Verdict RunModule(const Command& c);
  Verdict RunRegister(const Command& c);
  Verdict RunAssertInvalid(const Command& c, ErrorCode expected_code);
  Verdict RunAssertUnlinkable(const Command& c);
  Verdict RunAssertUninstantiable(const Command& c);
  Result<std::shared_ptr<const engine::Module>> Load(const Command& c);
  engine::InstantiateOutcome InstantiateKeepingAlive(std::shared_ptr<const engine::Module> module);

  // Actions (action_commands.cc).
  Verdict RunAction(const Command& c);
  Verdict RunAssertReturn(const Command& c);
  Verdict RunAssertTrap(const Command& c);
  ActionOutcome Perform(const Action& a);
  const ModuleSlot* FindModule(const std::string& name) const;

  std::string dir_;
  std::string label_;
  WastOptions options_;
  WastCounts counts_;
  std::optional<Error> setup_error_;  // spectest could not be defined: every command fails
  // Instances stay alive for the whole script: registered exports and
  // functions stored into shared tables point into them.
  std::vector<std::unique_ptr<engine::Instance>> instances_;
  engine::Linker linker_;
  std::map<std::string, ModuleSlot> named_;
  std::optional<ModuleSlot> current_;
};

// "assert_return invoke \"f\" (i32:1)", "assert_invalid m.3.wasm".
std::string DescribeCommand(const Command& c);
// Whether the trap's message begins with the script's expected text.
bool TrapMatches(const engine::Trap& trap, const std::string& expected_text);
std::string TrapText(const engine::Trap& trap);

}  // namespace capsa::wast
