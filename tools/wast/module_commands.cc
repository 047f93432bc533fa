// module, register and the module-level assertions.
#include <utility>

#include "tools/wast/files.h"
#include "tools/wast/script_runner.h"

namespace capsa::wast {
namespace {

constexpr char kTextSkip[] = "text-format module (the engine reads binaries only)";

std::string DescribeError(const Error& e) {
  return std::string(ErrorCodeName(e.code)) + " \"" + e.message + "\"";
}

}  // namespace

Result<std::shared_ptr<const engine::Module>> ScriptRunner::Load(const Command& c) {
  TRY_ASSIGN(const std::vector<uint8_t> bytes, ReadBinaryFile(dir_ + "/" + c.filename));
  return engine::LoadModule(bytes);
}

engine::InstantiateOutcome ScriptRunner::InstantiateKeepingAlive(std::shared_ptr<const engine::Module> module) {
  engine::InstantiateOutcome outcome = engine::Instantiate(std::move(module), linker_, engine::InstanceOptions{});
  // Keep even a trapped instance: its functions may already sit in a shared table.
  if (outcome.instance) instances_.push_back(std::move(outcome.instance));
  return outcome;
}

Verdict ScriptRunner::RunModule(const Command& c) {
  ModuleSlot slot;
  slot.line = c.line;
  Verdict verdict = Verdict::Pass();
  if (c.format == ModuleFormat::kText) {
    slot.state = ModuleSlot::State::kSkipped;
    verdict = Verdict::Skip(kTextSkip);
  } else {
    Result<std::shared_ptr<const engine::Module>> module = Load(c);
    if (!module.ok()) {
      verdict = Verdict::Fail("expected a valid module, got " + DescribeError(module.error()));
    } else {
      const size_t before = instances_.size();
      engine::InstantiateOutcome outcome = InstantiateKeepingAlive(std::move(module).value());
      if (outcome.error) {
        verdict = Verdict::Fail("expected an instance, got " + DescribeError(*outcome.error));
      } else if (outcome.trap) {
        verdict = Verdict::Fail("expected an instance, got trap \"" + TrapText(*outcome.trap) + "\"");
      } else if (instances_.size() == before) {
        verdict = Verdict::Fail("expected an instance, got neither instance, error nor trap");
      } else {
        slot.state = ModuleSlot::State::kReady;
        slot.instance = instances_.back().get();
      }
    }
  }
  current_ = slot;
  if (!c.name.empty()) named_[c.name] = slot;
  return verdict;
}

Verdict ScriptRunner::RunRegister(const Command& c) {
  const ModuleSlot* slot = FindModule(c.name);
  if (slot == nullptr) return Verdict::Fail("no module " + (c.name.empty() ? "defined" : c.name));
  switch (slot->state) {
    case ModuleSlot::State::kSkipped:
      return Verdict::Skip("its module was skipped");
    case ModuleSlot::State::kFailed:
      return Verdict::Fail("its module (line " + std::to_string(slot->line) + ") failed");
    case ModuleSlot::State::kReady:
      break;
  }
  linker_.DefineInstance(c.register_as, *slot->instance);
  return Verdict::Pass();
}

// assert_invalid requires ErrorCode::kInvalid. assert_malformed requires only
// that loading fails: which check catches a malformed binary first is not
// specified, so a different code or message is a note, not a failure.
Verdict ScriptRunner::RunAssertInvalid(const Command& c, ErrorCode expected_code) {
  if (c.format == ModuleFormat::kText) return Verdict::Skip(kTextSkip);
  const std::string expected = std::string("expected ") + ErrorCodeName(expected_code) + " \"" + c.text + "\"";
  Result<std::shared_ptr<const engine::Module>> module = Load(c);
  if (module.ok()) return Verdict::Fail(expected + ", got a valid module");
  const Error& e = module.error();
  if (e.code == ErrorCode::kIo) return Verdict::Fail("cannot read module: " + e.message);
  if (expected_code == ErrorCode::kInvalid && e.code != ErrorCode::kInvalid) {
    return Verdict::Fail(expected + ", got " + DescribeError(e));
  }
  if (e.code != expected_code || e.message.find(c.text) == std::string::npos) {
    return Verdict::Pass(expected + ", got " + DescribeError(e));
  }
  return Verdict::Pass();
}

Verdict ScriptRunner::RunAssertUnlinkable(const Command& c) {
  if (c.format == ModuleFormat::kText) return Verdict::Skip(kTextSkip);
  const std::string expected = "expected unlinkable \"" + c.text + "\"";
  Result<std::shared_ptr<const engine::Module>> module = Load(c);
  if (!module.ok()) return Verdict::Fail(expected + ", got " + DescribeError(module.error()));
  engine::InstantiateOutcome outcome = InstantiateKeepingAlive(std::move(module).value());
  if (outcome.trap) return Verdict::Fail(expected + ", got trap \"" + TrapText(*outcome.trap) + "\"");
  if (!outcome.error) return Verdict::Fail(expected + ", got an instance");
  if (outcome.error->code != ErrorCode::kUnlinkable || outcome.error->message.find(c.text) == std::string::npos) {
    return Verdict::Pass(expected + ", got " + DescribeError(*outcome.error));
  }
  return Verdict::Pass();
}

Verdict ScriptRunner::RunAssertUninstantiable(const Command& c) {
  if (c.format == ModuleFormat::kText) return Verdict::Skip(kTextSkip);
  const std::string expected = "expected trap \"" + c.text + "\"";
  Result<std::shared_ptr<const engine::Module>> module = Load(c);
  if (!module.ok()) return Verdict::Fail(expected + ", got " + DescribeError(module.error()));
  engine::InstantiateOutcome outcome = InstantiateKeepingAlive(std::move(module).value());
  if (outcome.error) return Verdict::Fail(expected + ", got " + DescribeError(*outcome.error));
  if (!outcome.trap) return Verdict::Fail(expected + ", got an instance");
  if (!TrapMatches(*outcome.trap, c.text)) {
    return Verdict::Fail(expected + ", got trap \"" + TrapText(*outcome.trap) + "\"");
  }
  return Verdict::Pass();
}

}  // namespace capsa::wast
