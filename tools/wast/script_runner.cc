#include "tools/wast/script_runner.h"

#include <ostream>
#include <utility>

#include "tools/wast/spectest.h"

namespace capsa::wast {

ScriptRunner::ScriptRunner(std::string dir, std::string label, const WastOptions& options)
    : dir_(std::move(dir)), label_(std::move(label)), options_(options) {
  // A fresh spectest per script: scripts write to its table and memory.
  Result<void> r = DefineSpectest(linker_);
  if (!r.ok()) setup_error_ = r.take_error();
}

void ScriptRunner::Run(const Command& c) {
  if (options_.trace) *options_.trace << label_ << ":" << c.line << ": " << DescribeCommand(c) << std::endl;
  Verdict v;
  if (setup_error_) {
    v = Verdict::Fail("spectest module unavailable: " + setup_error_->message);
  } else if (!c.unsupported.empty()) {
    v = Verdict::Skip(c.unsupported);
  } else {
    v = Dispatch(c);
  }
  Report(c, v);
}

Verdict ScriptRunner::Dispatch(const Command& c) {
  switch (c.type) {
    case CommandType::kModule: return RunModule(c);
    case CommandType::kRegister: return RunRegister(c);
    case CommandType::kAction: return RunAction(c);
    case CommandType::kAssertReturn: return RunAssertReturn(c);
    case CommandType::kAssertTrap:
    case CommandType::kAssertExhaustion:
      return RunAssertTrap(c);
    case CommandType::kAssertInvalid: return RunAssertInvalid(c, ErrorCode::kInvalid);
    case CommandType::kAssertMalformed: return RunAssertInvalid(c, ErrorCode::kMalformed);
    case CommandType::kAssertUnlinkable: return RunAssertUnlinkable(c);
    case CommandType::kAssertUninstantiable: return RunAssertUninstantiable(c);
    case CommandType::kUnknown: break;
  }
  return Verdict::Fail("unknown command type \"" + c.type_name + "\"");
}

void ScriptRunner::Report(const Command& c, const Verdict& v) {
  std::ostream* out = options_.out;
  const std::string where = label_ + ":" + std::to_string(c.line) + ": " + DescribeCommand(c) + ": ";
  switch (v.kind) {
    case Verdict::Kind::kPass:
      ++counts_.passed;
      if (out && options_.verbosity >= Verbosity::kNotes && !v.note.empty()) {
        *out << where << "note: " << v.note << "\n";
      }
      break;
    case Verdict::Kind::kFail:
      ++counts_.failed;
      // Flushed: if the engine crashes later, the failures so far are not lost.
      if (out && options_.verbosity >= Verbosity::kFailures) *out << where << v.detail << std::endl;
      break;
    case Verdict::Kind::kSkip:
      ++counts_.skipped;
      if (out && options_.verbosity >= Verbosity::kNotes) *out << where << "skipped: " << v.detail << "\n";
      break;
  }
}

std::string DescribeCommand(const Command& c) {
  std::string d = c.type_name;
  switch (c.type) {
    case CommandType::kAction:
    case CommandType::kAssertReturn:
    case CommandType::kAssertTrap:
    case CommandType::kAssertExhaustion:
      d += c.action.kind == Action::Kind::kGet ? " get " : " invoke ";
      if (!c.action.module.empty()) d += c.action.module + " ";
      d += "\"" + c.action.field + "\"";
      if (c.action.kind == Action::Kind::kInvoke) d += " " + FormatExpectedList(c.action.args);
      break;
    case CommandType::kRegister:
      d += " \"" + c.register_as + "\"" + (c.name.empty() ? "" : " " + c.name);
      break;
    case CommandType::kModule:
      d += (c.name.empty() ? "" : " " + c.name) + " " + c.filename;
      break;
    case CommandType::kAssertInvalid:
    case CommandType::kAssertMalformed:
    case CommandType::kAssertUnlinkable:
    case CommandType::kAssertUninstantiable:
      d += " " + c.filename;
      break;
    case CommandType::kUnknown:
      break;
  }
  return d;
}

std::string TrapText(const engine::Trap& trap) {
  return trap.message.empty() ? engine::TrapKindMessage(trap.kind) : trap.message;
}

bool TrapMatches(const engine::Trap& trap, const std::string& expected_text) {
  return TrapText(trap).starts_with(expected_text);
}

}  // namespace capsa::wast
