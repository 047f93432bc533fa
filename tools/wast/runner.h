// capsa_wast: runs WebAssembly spec-test scripts against capsa's engine.
// Every command counts exactly once as passed, failed or skipped; a failing
// command never stops the script. Skipped: text-format modules (the engine
// reads binaries only) and anything that depends on one.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "engine/base/result.h"
#include "tools/wast/script.h"

namespace capsa::wast {

enum class Verbosity : uint8_t {
  kQuiet,     // only the caller's summary
  kFailures,  // one line per failure: "file:line: <command>: expected ..., got ..."
  kNotes,     // also passes whose error text or code differs from the script's
};

struct WastCounts {
  uint64_t passed = 0;
  uint64_t failed = 0;
  uint64_t skipped = 0;
  WastCounts& operator+=(const WastCounts& o) {
    passed += o.passed;
    failed += o.failed;
    skipped += o.skipped;
    return *this;
  }
};

// "N passed, M failed, K skipped"
std::string FormatCounts(const WastCounts& counts);

struct WastOptions {
  Verbosity verbosity = Verbosity::kQuiet;
  std::ostream* out = nullptr;  // failure and note lines; required when verbose
  // When set, "file:line: <command>" is written and flushed before each
  // command runs, so the last line names the command an engine crash hit.
  std::ostream* trace = nullptr;
};

// Runs a .wast (converted with wast2json into a temporary directory) or a
// wast2json .json (its module files beside it). Fails only when the script
// cannot be read, converted or parsed; command failures are counted.
Result<WastCounts> RunWastFile(const std::string& path, const WastOptions& options);

// Runs a parsed script whose module files are in `dir`; `label` prefixes
// failure lines (normally the .wast file's name).
WastCounts RunScript(const Script& script, const std::string& dir, const std::string& label,
                     const WastOptions& options);

}  // namespace capsa::wast
