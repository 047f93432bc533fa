// capsa-wast: runs WebAssembly spec-test scripts (.wast, or wast2json .json)
// against capsa's engine. See tools/wast/README.md.
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "tools/wast/runner.h"

namespace {

constexpr char kUsage[] =
    "usage: capsa-wast [-v | -vv] [--trace] FILE.wast|FILE.json...\n"
    "  -v    one line per failed command: file:line: <command>: expected ..., got ...\n"
    "  -vv   also skipped commands, and passes whose error code or text differ\n"
    "  --trace  name each command on stderr before running it (to locate a crash)\n"
    "Prints \"N passed, M failed, K skipped\" last; exits 1 if M > 0, 2 on usage or file errors.\n";

}  // namespace

int main(int argc, char** argv) {
  capsa::wast::WastOptions options;
  options.out = &std::cout;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "-v") {
      options.verbosity = capsa::wast::Verbosity::kFailures;
    } else if (arg == "-vv") {
      options.verbosity = capsa::wast::Verbosity::kNotes;
    } else if (arg == "--trace") {
      options.trace = &std::cerr;
    } else if (arg.starts_with("-")) {
      std::cerr << "capsa-wast: unknown option " << arg << "\n" << kUsage;
      return 2;
    } else {
      files.emplace_back(arg);
    }
  }
  if (files.empty()) {
    std::cerr << kUsage;
    return 2;
  }

  capsa::wast::WastCounts total;
  bool file_error = false;
  for (const std::string& file : files) {
    capsa::Result<capsa::wast::WastCounts> counts = capsa::wast::RunWastFile(file, options);
    if (!counts.ok()) {
      std::cerr << "capsa-wast: " << file << ": " << counts.error().message << "\n";
      file_error = true;
      continue;
    }
    total += counts.value();
  }
  std::cout << capsa::wast::FormatCounts(total) << std::endl;
  if (file_error) return 2;
  return total.failed > 0 ? 1 : 0;
}
