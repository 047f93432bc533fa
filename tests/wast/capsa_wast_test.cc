// capsa-wast end to end (the executable over tests/wast/*.wast) and its value
// matcher (table-driven).
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "tools/wast/wast_value.h"

namespace capsa::wast {
namespace {

struct RunResult {
  int exit_code = -1;
  std::string output;
  std::string last_line;
};

RunResult RunCapsaWast(const std::string& args) {
  RunResult r;
  const std::string cmd = std::string(CAPSA_WAST_BIN) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::string trimmed = r.output;
  while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
  r.last_line = trimmed.substr(trimmed.rfind('\n') == std::string::npos ? 0 : trimmed.rfind('\n') + 1);
  return r;
}

std::string TestFile(const std::string& name) { return std::string(CAPSA_WAST_TESTS_DIR) + "/" + name; }

TEST(CapsaWast, EveryCommandTypePasses) {
  RunResult r = RunCapsaWast("-v " + TestFile("commands.wast"));
  EXPECT_EQ(r.last_line, "25 passed, 0 failed, 1 skipped") << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(CapsaWast, WrongExpectationsAreFailures) {
  RunResult r = RunCapsaWast("-v " + TestFile("wrong_results.wast"));
  EXPECT_EQ(r.last_line, "2 passed, 4 failed, 0 skipped") << r.output;
  EXPECT_EQ(r.exit_code, 1);
  const std::string file = TestFile("wrong_results.wast");
  EXPECT_NE(r.output.find(file + ":9: assert_return invoke \"one\" (): expected (i32:2), got (i32:1)\n"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(file + ":11: assert_trap invoke \"one\" (): expected trap \"unreachable\", got (i32:1)\n"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(file + ":13: assert_invalid wrong_results.1.wasm: expected invalid \"type mismatch\", "
                                 "got a valid module\n"),
            std::string::npos)
      << r.output;
}

TEST(CapsaWast, TextModuleAndItsUsersAreSkipped) {
  RunResult r = RunCapsaWast(TestFile("text_module.json"));
  EXPECT_EQ(r.last_line, "0 passed, 0 failed, 3 skipped") << r.output;
  EXPECT_EQ(r.exit_code, 0);
}

TEST(CapsaWast, CountsAddUpOverFiles) {
  RunResult r = RunCapsaWast(TestFile("commands.wast") + " " + TestFile("wrong_results.wast"));
  EXPECT_EQ(r.last_line, "27 passed, 4 failed, 1 skipped") << r.output;
  EXPECT_EQ(r.exit_code, 1);
}

TEST(CapsaWast, UsageAndFileErrorsExitTwo) {
  EXPECT_EQ(RunCapsaWast("").exit_code, 2);
  EXPECT_EQ(RunCapsaWast("--frobnicate " + TestFile("commands.wast")).exit_code, 2);
  RunResult missing = RunCapsaWast(TestFile("no_such_file.json"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("cannot open"), std::string::npos) << missing.output;
}

struct MatchCase {
  const char* type;
  const char* expected;
  uint64_t actual_bits;
  bool matches;
};

TEST(WastValue, Matches) {
  const MatchCase cases[] = {
      {"i32", "4294967295", 0xffffffffu, true},
      {"i32", "0", 1, false},
      {"f32", "2147483648", 0x80000000u, true},  // -0 is not +0
      {"f32", "0", 0x80000000u, false},
      {"f32", "nan:canonical", 0x7fc00000u, true},
      {"f32", "nan:canonical", 0xffc00000u, true},  // sign is free
      {"f32", "nan:canonical", 0x7fc00001u, false},
      {"f32", "nan:canonical", 0x7f800000u, false},  // infinity
      {"f32", "nan:arithmetic", 0x7fc00001u, true},
      {"f32", "nan:arithmetic", 0x7f800001u, false},  // signalling
      {"f64", "nan:canonical", 0x7ff8000000000000ull, true},
      {"f64", "nan:canonical", 0x7ff8000000000001ull, false},
      {"f64", "nan:arithmetic", 0xfff8000000000001ull, true},
      {"f64", "nan:arithmetic", 0x7ff0000000000001ull, false},
      {"externref", "null", 0, true},
      {"externref", "null", 1, false},
      {"externref", "7", 8, true},  // MakeExternRef(7)
      {"externref", "7", 7, false},
      {"funcref", "null", 0, true},
      {"funcref", "0", 0, false},  // (ref.func): any non-null
  };
  for (const MatchCase& c : cases) {
    const std::string value = c.expected;
    Result<WastValue> v = ParseWastValue(c.type, &value);
    ASSERT_TRUE(v.ok()) << c.type << " " << c.expected;
    engine::Value actual;
    actual.bits = c.actual_bits;
    EXPECT_EQ(Matches(v.value(), actual), c.matches) << c.type << " " << c.expected << " vs " << c.actual_bits;
  }
}

TEST(WastValue, RejectsMalformedValues) {
  const std::string too_big = "4294967296";
  EXPECT_FALSE(ParseWastValue("i32", &too_big).ok());
  const std::string junk = "12x";
  EXPECT_FALSE(ParseWastValue("i64", &junk).ok());
  const std::string nan = "nan:canonical";
  EXPECT_FALSE(ParseWastValue("i32", &nan).ok());
  EXPECT_FALSE(ParseWastValue("anyref", &junk).ok());
}

}  // namespace
}  // namespace capsa::wast
