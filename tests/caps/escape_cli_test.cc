// The path_open part of the escape corpus through the real `capsa` binary,
// once per resolver (CAPSA_RESOLVER=openat2|walk): a wasm guest
// (guests/escape_probe.c) opens each path through wasi-libc; the test checks
// the errno it saw, that the audit log holds one denial per refusal, and that
// nothing outside the preopen changed.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/caps/escape_corpus.h"
#include "tests/e2e/subprocess.h"

#if !defined(CAPSA_BIN) || !defined(CAPSA_CAPS_GUEST_DIR)
#error "CMake passes CAPSA_BIN and CAPSA_CAPS_GUEST_DIR"
#endif

namespace capsa::caps {
namespace {

using testing::CorpusCase;
using testing::CorpusOp;

bool Cli(const CorpusCase& c) {
  return (c.op == CorpusOp::kOpenRead || c.op == CorpusOp::kOpenCreate) && !c.path.empty() &&
         c.path.front() != '/' && c.path.find('\0') == std::string::npos && c.path.size() < 200;
}

class EscapeCli : public ::testing::TestWithParam<const char*> {};

TEST_P(EscapeCli, CorpusThroughTheCapsaBinary) {
  testing::TempTree tree;
  testing::BuildEscapeFixture(tree);
  const auto before = tree.SnapshotOutsideSandbox();
  std::vector<std::string> argv = {CAPSA_BIN, "run", "--dir", tree.Path("sandbox") + "::/sb::rw",
                                   "--audit-log", tree.Path("audit.jsonl"),
                                   std::string(CAPSA_CAPS_GUEST_DIR) + "/escape_probe.wasm"};
  std::vector<std::pair<std::string, const CorpusCase*>> expected;  // in argument order
  const std::vector<CorpusCase> corpus = testing::EscapeCorpus();
  size_t refusals = 0;
  for (const CorpusCase& c : corpus) {
    if (!Cli(c)) continue;
    const std::string guest = "/sb/" + c.path;
    argv.push_back((c.op == CorpusOp::kOpenCreate ? "c:" : "r:") + guest);
    expected.emplace_back(guest, &c);
    refusals += c.error == wasi::Errno::kNotcapable;
  }
  const e2e::ProcessResult r =
      e2e::RunProcess(argv, {std::string("CAPSA_RESOLVER=") + GetParam()}, 60);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream out(r.out);
  std::string line;
  size_t seen = 0;
  while (std::getline(out, line)) {
    std::istringstream fields(line);
    std::string path, verdict, detail;
    std::getline(fields, path, '\t');
    std::getline(fields, verdict, '\t');
    std::getline(fields, detail);
    ASSERT_LT(seen, expected.size()) << line;
    ASSERT_EQ(path, expected[seen].first) << line;
    const CorpusCase& c = *expected[seen].second;
    ++seen;
    if (c.error == wasi::Errno::kSuccess) {
      EXPECT_EQ(verdict, "OK") << line;
      std::string content = c.content;
      for (char& ch : content) ch = ch == '\n' ? ' ' : ch;
      if (!content.empty()) {
        EXPECT_EQ(detail, content) << line;
      }
    } else {
      EXPECT_EQ(verdict, "ERR") << line;
      EXPECT_EQ(detail, std::to_string(static_cast<int>(c.error))) << line;
    }
  }
  EXPECT_EQ(seen, expected.size());
  std::ifstream log(tree.Path("audit.jsonl"));
  size_t denials = 0;
  while (std::getline(log, line)) denials += line.find("\"event\":\"denial\"") != std::string::npos;
  EXPECT_EQ(denials, refusals);
  auto after = tree.SnapshotOutsideSandbox();
  after.erase("audit.jsonl");  // the test's own log, next to the sandbox
  EXPECT_EQ(after, before);
  std::printf("escape corpus via capsa [%s]: %zu cases, %zu refusals logged, 0 escapes\n",
              GetParam(), seen, denials);
}

INSTANTIATE_TEST_SUITE_P(Resolvers, EscapeCli, ::testing::Values("openat2", "walk"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace capsa::caps
