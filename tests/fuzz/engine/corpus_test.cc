// Replays tests/fuzz/engine/{corpus,regressions}/ through the engine fuzzing
// harness (tools/fuzz/engine_harness.h): no input may crash, hang or break
// the engine's contracts. regressions/ names its expected end in the file
// name: <what>.<rejected|notinst|inittrap|ran>.wasm.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tools/fuzz/engine_harness.h"

namespace capsa::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> FilesIn(const std::string& sub) {
  std::vector<fs::path> files;
  const fs::path dir = fs::path(CAPSA_FUZZ_ENGINE_DIR) / sub;
  if (!fs::is_directory(dir))
    return files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().filename().string()[0] != '.')
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<uint8_t> ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The contract for any input: the harness returns (no crash, no hang — the
// ctest TIMEOUT catches those), refusals carry a message, and every export
// that ran either returned the right number of results or trapped.
void CheckContract(const fs::path& path, const HarnessReport& r) {
  SCOPED_TRACE(path.filename().string());
  EXPECT_EQ(r.violation, "");
  if (r.end == HarnessEnd::kRejected || r.end == HarnessEnd::kNotInstantiated) {
    EXPECT_FALSE(r.error.empty());
  }
  EXPECT_LE(r.traps, r.calls);
}

TEST(EngineFuzzCorpus, EveryCorpusFileRunsCleanly) {
  const auto files = FilesIn("corpus");
  ASSERT_FALSE(files.empty()) << "no corpus under " << CAPSA_FUZZ_ENGINE_DIR;
  size_t ran = 0;
  for (const fs::path& p : files) {
    const HarnessReport r = RunEngineHarness(ReadAll(p));
    CheckContract(p, r);
    if (r.end == HarnessEnd::kRan)
      ++ran;
  }
  // The corpus exists to exercise execution, not only the decoder.
  EXPECT_GT(ran, 0u);
}

std::string ExpectedEnd(const fs::path& p) {
  const std::string stem = p.stem().string();  // <what>.<end>
  const size_t dot = stem.rfind('.');
  return dot == std::string::npos ? "" : stem.substr(dot + 1);
}

const char* ShortName(HarnessEnd end) {
  switch (end) {
    case HarnessEnd::kRejected:
      return "rejected";
    case HarnessEnd::kNotInstantiated:
      return "notinst";
    case HarnessEnd::kInstantiateTrap:
      return "inittrap";
    case HarnessEnd::kRan:
      return "ran";
  }
  return "?";
}

TEST(EngineFuzzCorpus, EveryRegressionEndsAsRecorded) {
  for (const fs::path& p : FilesIn("regressions")) {
    const HarnessReport r = RunEngineHarness(ReadAll(p));
    CheckContract(p, r);
    EXPECT_EQ(ShortName(r.end), ExpectedEnd(p)) << p.filename() << ": " << r.error;
  }
}

}  // namespace
}  // namespace capsa::fuzz
