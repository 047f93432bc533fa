#include "tools/wast/runner.h"

#include <filesystem>
#include <optional>

#include "tools/wast/files.h"
#include "tools/wast/script_runner.h"

namespace capsa::wast {

std::string FormatCounts(const WastCounts& c) {
  return std::to_string(c.passed) + " passed, " + std::to_string(c.failed) + " failed, " +
         std::to_string(c.skipped) + " skipped";
}

WastCounts RunScript(const Script& script, const std::string& dir, const std::string& label,
                     const WastOptions& options) {
  ScriptRunner runner(dir, label, options);
  for (const Command& c : script.commands) runner.Run(c);
  return runner.counts();
}

Result<WastCounts> RunWastFile(const std::string& path, const WastOptions& options) {
  std::optional<TempDir> temp;  // holds the converted files until the run ends
  std::string json_path = path;
  std::string label;
  if (path.ends_with(".wast")) {
    TRY_ASSIGN(TempDir dir, TempDir::Create());
    temp.emplace(std::move(dir));
    TRY_ASSIGN(json_path, ConvertWast(path, *temp));
    label = path;
  }
  TRY_ASSIGN(const std::string text, ReadTextFile(json_path));
  TRY_ASSIGN(const Script script, ParseScript(text));
  if (label.empty()) label = script.source_filename.empty() ? path : script.source_filename;
  const std::string dir = std::filesystem::path(json_path).parent_path().string();
  return RunScript(script, dir.empty() ? "." : dir, label, options);
}

}  // namespace capsa::wast
