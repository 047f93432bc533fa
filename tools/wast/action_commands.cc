// action, assert_return, assert_trap and assert_exhaustion.
#include <utility>

#include "tools/wast/script_runner.h"

namespace capsa::wast {
namespace {

using engine::ValType;

ActionOutcome ErrorOutcome(ActionOutcome::Kind kind, std::string why) {
  ActionOutcome o;
  o.kind = kind;
  o.error = std::move(why);
  return o;
}

std::string DescribeOutcome(const ActionOutcome& o) {
  switch (o.kind) {
    case ActionOutcome::Kind::kValues: return FormatActualList(o.types, o.values);
    case ActionOutcome::Kind::kTrap: return "trap \"" + TrapText(o.trap) + "\"";
    case ActionOutcome::Kind::kError:
    case ActionOutcome::Kind::kSkip:
      return o.error;
  }
  return "?";
}

}  // namespace

const ModuleSlot* ScriptRunner::FindModule(const std::string& name) const {
  if (name.empty()) return current_ ? &*current_ : nullptr;
  auto it = named_.find(name);
  return it == named_.end() ? nullptr : &it->second;
}

ActionOutcome ScriptRunner::Perform(const Action& a) {
  using Kind = ActionOutcome::Kind;
  const ModuleSlot* slot = FindModule(a.module);
  if (slot == nullptr) return ErrorOutcome(Kind::kError, "no module " + (a.module.empty() ? "defined" : a.module));
  if (slot->state == ModuleSlot::State::kSkipped) return ErrorOutcome(Kind::kSkip, "its module was skipped");
  if (slot->state == ModuleSlot::State::kFailed) {
    return ErrorOutcome(Kind::kError, "its module (line " + std::to_string(slot->line) + ") failed");
  }
  if (a.kind == Action::Kind::kGet) {
    std::optional<engine::Extern> e = slot->instance->FindExport(a.field);
    if (!e || e->kind != engine::ExternKind::kGlobal || !e->global) {
      return ErrorOutcome(Kind::kError, "no exported global \"" + a.field + "\"");
    }
    ActionOutcome o;
    o.kind = Kind::kValues;
    o.types = {e->global->type.type};
    o.values = {e->global->value};
    return o;
  }
  engine::FunctionInstance* func = slot->instance->FindExportedFunction(a.field);
  if (func == nullptr) return ErrorOutcome(Kind::kError, "no exported function \"" + a.field + "\"");
  // Invoke's contract: arguments match the type. Check here, not in the engine.
  if (func->type.params.size() != a.args.size()) {
    return ErrorOutcome(Kind::kError, "argument count " + std::to_string(a.args.size()) + " does not match " +
                                          std::to_string(func->type.params.size()) + " parameters");
  }
  std::vector<engine::Value> args;
  for (size_t i = 0; i < a.args.size(); ++i) {
    if (a.args[i].type != func->type.params[i]) {
      return ErrorOutcome(Kind::kError, "argument " + std::to_string(i) + " is " +
                                            engine::ValTypeName(a.args[i].type) + ", parameter is " +
                                            engine::ValTypeName(func->type.params[i]));
    }
    Result<engine::Value> v = ToEngineValue(a.args[i]);
    if (!v.ok()) return ErrorOutcome(Kind::kSkip, v.error().message);
    args.push_back(v.value());
  }
  std::variant<std::vector<engine::Value>, engine::Trap> r = engine::Invoke(*func, args);
  ActionOutcome o;
  if (auto* trap = std::get_if<engine::Trap>(&r)) {
    o.kind = Kind::kTrap;
    o.trap = std::move(*trap);
    return o;
  }
  o.kind = Kind::kValues;
  o.types = func->type.results;
  o.values = std::move(std::get<std::vector<engine::Value>>(r));
  if (o.values.size() != o.types.size()) {
    return ErrorOutcome(Kind::kError, "Invoke returned " + std::to_string(o.values.size()) +
                                          " values for a function with " + std::to_string(o.types.size()) +
                                          " results");
  }
  return o;
}

Verdict ScriptRunner::RunAction(const Command& c) {
  ActionOutcome o = Perform(c.action);
  switch (o.kind) {
    case ActionOutcome::Kind::kValues: return Verdict::Pass();
    case ActionOutcome::Kind::kSkip: return Verdict::Skip(o.error);
    default: return Verdict::Fail("expected to complete, got " + DescribeOutcome(o));
  }
}

Verdict ScriptRunner::RunAssertReturn(const Command& c) {
  ActionOutcome o = Perform(c.action);
  if (o.kind == ActionOutcome::Kind::kSkip) return Verdict::Skip(o.error);
  const std::string expected = "expected " + FormatExpectedList(c.expected);
  if (o.kind != ActionOutcome::Kind::kValues) return Verdict::Fail(expected + ", got " + DescribeOutcome(o));
  bool ok = o.values.size() == c.expected.size();
  for (size_t i = 0; ok && i < o.values.size(); ++i) {
    ok = o.types[i] == c.expected[i].type && Matches(c.expected[i], o.values[i]);
  }
  if (!ok) return Verdict::Fail(expected + ", got " + DescribeOutcome(o));
  return Verdict::Pass();
}

// assert_exhaustion is an assert_trap whose text is "call stack exhausted".
Verdict ScriptRunner::RunAssertTrap(const Command& c) {
  ActionOutcome o = Perform(c.action);
  if (o.kind == ActionOutcome::Kind::kSkip) return Verdict::Skip(o.error);
  if (o.kind == ActionOutcome::Kind::kTrap && TrapMatches(o.trap, c.text)) return Verdict::Pass();
  return Verdict::Fail("expected trap \"" + c.text + "\", got " + DescribeOutcome(o));
}

}  // namespace capsa::wast
