// Table-driven tests of the --dir / --env / limit flag values, with the exact
// error messages users see.
#include "policy/flag_parse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace capsa::policy {
namespace {

struct DirOk {
  std::string value;
  std::string host;
  std::string guest;
  DirMode mode;
};

TEST(ParseDirFlag, ValidValues) {
  const std::vector<DirOk> cases = {
      {"/data", "/data", "/data", DirMode::kReadOnly},
      {"data", "data", "data", DirMode::kReadOnly},
      {".", ".", ".", DirMode::kReadOnly},
      {"/", "/", "/", DirMode::kReadOnly},
      {"/srv/in::/in", "/srv/in", "/in", DirMode::kReadOnly},
      {"/srv/in::/in::ro", "/srv/in", "/in", DirMode::kReadOnly},
      {"/srv/out::/out::rw", "/srv/out", "/out", DirMode::kReadWrite},
      {"./tmp/::tmp::rw", "./tmp/", "tmp", DirMode::kReadWrite},
      {"/srv::/", "/srv", "/", DirMode::kReadOnly},
      {"/srv::.::rw", "/srv", ".", DirMode::kReadWrite},
      {"/a b::/with space", "/a b", "/with space", DirMode::kReadOnly},
      {"/srv::ro/x", "/srv", "ro/x", DirMode::kReadOnly},
  };
  for (const DirOk& c : cases) {
    SCOPED_TRACE(c.value);
    Result<DirGrant> r = ParseDirFlag(c.value);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->host_path, c.host);
    EXPECT_EQ(r->guest_path, c.guest);
    EXPECT_EQ(r->mode, c.mode);
  }
}

struct Bad {
  std::string value;
  std::string message;
};

TEST(ParseDirFlag, InvalidValuesHaveExactMessages) {
  const std::vector<Bad> cases = {
      {"", "invalid --dir value \"\": the host path is empty"},
      {"::/g", "invalid --dir value \"::/g\": the host path is empty"},
      {"/h::", "invalid --dir value \"/h::\": the guest path is empty"},
      {"/h::::rw", "invalid --dir value \"/h::::rw\": the guest path is empty"},
      {"/h::/g::", "invalid --dir value \"/h::/g::\": the mode is empty (use ro or rw)"},
      {"/h::/g::rx", "invalid --dir value \"/h::/g::rx\": unknown mode \"rx\" (use ro or rw)"},
      {"/h::/g::RW", "invalid --dir value \"/h::/g::RW\": unknown mode \"RW\" (use ro or rw)"},
      {"/h::/g::rw::x",
       "invalid --dir value \"/h::/g::rw::x\": too many \"::\" separators (expected "
       "HOST[::GUEST][::ro|rw])"},
      {"/h::ro", "invalid --dir value \"/h::ro\": a mode needs a guest path (write HOST::GUEST::ro)"},
      {"/h::rw", "invalid --dir value \"/h::rw\": a mode needs a guest path (write HOST::GUEST::rw)"},
      {"/h::/g/", "invalid --dir value \"/h::/g/\": guest path \"/g/\" is not normalized (write \"/g\")"},
      {"/h::a//b", "invalid --dir value \"/h::a//b\": guest path \"a//b\" is not normalized (write \"a/b\")"},
      {"/h::./a", "invalid --dir value \"/h::./a\": guest path \"./a\" is not normalized (write \"a\")"},
      {"/h::/a/.", "invalid --dir value \"/h::/a/.\": guest path \"/a/.\" is not normalized (write \"/a\")"},
      {"/h::./", "invalid --dir value \"/h::./\": guest path \"./\" is not normalized (write \".\")"},
      {"/h::../up", "invalid --dir value \"/h::../up\": guest path \"../up\" must not contain \"..\""},
      {"/h::/a/../b", "invalid --dir value \"/h::/a/../b\": guest path \"/a/../b\" must not contain \"..\""},
      // The guest path defaults to the host path and is checked like one.
      {"data/", "invalid --dir value \"data/\": guest path \"data/\" is not normalized (write \"data\")"},
      {"../x", "invalid --dir value \"../x\": guest path \"../x\" must not contain \"..\""},
      {std::string("/h\0x", 4), "invalid --dir value: contains a NUL byte"},
      {std::string("/h::/g\0", 7), "invalid --dir value: contains a NUL byte"},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.value);
    Result<DirGrant> r = ParseDirFlag(c.value);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kPolicy);
    EXPECT_EQ(r.error().message, c.message);
  }
}

TEST(AddDirFlag, RejectsDuplicateGuestPaths) {
  Policy policy;
  ASSERT_TRUE(AddDirFlag(policy, "/a::/data").ok());
  ASSERT_TRUE(AddDirFlag(policy, "/b::/other::rw").ok());
  Result<void> r = AddDirFlag(policy, "/c::/data::rw");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "invalid --dir value \"/c::/data::rw\": guest path \"/data\" is already granted");
  // Defaulted guest paths collide too.
  ASSERT_TRUE(AddDirFlag(policy, "/srv").ok());
  EXPECT_FALSE(AddDirFlag(policy, "/srv").ok());
  ASSERT_EQ(policy.dirs.size(), 3u);
  EXPECT_EQ(policy.dirs[1].mode, DirMode::kReadWrite);
  // The same host directory under two guest names is allowed.
  EXPECT_TRUE(AddDirFlag(policy, "/a::/data2").ok());
}

TEST(ParseEnvFlag, Table) {
  for (const char* ok : {"K=V", "K=", "PATH=/bin:/usr/bin", "K==V", "_x1=a=b", "K=V with spaces"}) {
    Result<std::string> r = ParseEnvFlag(ok);
    ASSERT_TRUE(r.ok()) << ok;
    EXPECT_EQ(*r, ok);
  }
  const std::vector<Bad> bad = {
      {"", "invalid --env value \"\": expected NAME=VALUE"},
      {"KEY", "invalid --env value \"KEY\": expected NAME=VALUE"},
      {"=V", "invalid --env value \"=V\": the name is empty"},
      {"=", "invalid --env value \"=\": the name is empty"},
      {std::string("K=a\0b", 5), "invalid --env value: contains a NUL byte"},
  };
  for (const Bad& c : bad) {
    SCOPED_TRACE(c.value);
    Result<std::string> r = ParseEnvFlag(c.value);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, c.message);
  }
}

TEST(AddEnvFlag, RejectsDuplicateNames) {
  Policy policy;
  ASSERT_TRUE(AddEnvFlag(policy, "A=1").ok());
  ASSERT_TRUE(AddEnvFlag(policy, "AB=2").ok());  // a prefix is a different name
  Result<void> r = AddEnvFlag(policy, "A=3");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "invalid --env value \"A=3\": A is already set");
  EXPECT_EQ(policy.env, (std::vector<std::string>{"A=1", "AB=2"}));
}

TEST(LimitFlags, Table) {
  EXPECT_EQ(ParseMemoryFlag("65536").value(), 65536u);
  EXPECT_EQ(ParseMemoryFlag("64K").value(), 64u << 10);
  EXPECT_EQ(ParseMemoryFlag("16M").value(), 16u << 20);
  EXPECT_EQ(ParseMemoryFlag("4G").value(), 4ull << 30);
  EXPECT_EQ(ParseMemoryFlag("").error().message,
            "invalid --max-memory value \"\": expected bytes, optionally with K, M or G");
  EXPECT_EQ(ParseMemoryFlag("-1").error().message,
            "invalid --max-memory value \"-1\": expected bytes, optionally with K, M or G");
  EXPECT_EQ(ParseMemoryFlag("12T").error().message,
            "invalid --max-memory value \"12T\": expected bytes, optionally with K, M or G");
  EXPECT_EQ(ParseMemoryFlag("0M").error().message,
            "invalid --max-memory value \"0M\": must be greater than 0");
  EXPECT_EQ(ParseMemoryFlag("99999999999999999999").error().message,
            "invalid --max-memory value \"99999999999999999999\": expected bytes, optionally "
            "with K, M or G");
  EXPECT_EQ(ParseMemoryFlag("99999999999999G").error().message,
            "invalid --max-memory value \"99999999999999G\": too large");

  EXPECT_EQ(ParseFuelFlag("1000").value(), 1000u);
  EXPECT_EQ(ParseFuelFlag("0").error().message, "invalid --fuel value \"0\": must be greater than 0");
  EXPECT_EQ(ParseFuelFlag("1e6").error().message,
            "invalid --fuel value \"1e6\": expected a positive integer");

  EXPECT_EQ(ParseStackFlag("100000").value(), 100000u);
  EXPECT_EQ(ParseStackFlag("0").error().message,
            "invalid --max-stack value \"0\": must be greater than 0");
  EXPECT_EQ(ParseStackFlag("1M").error().message,
            "invalid --max-stack value \"1M\": expected a number of call frames");
  EXPECT_EQ(ParseStackFlag("10000001").error().message,
            "invalid --max-stack value \"10000001\": at most 10000000 frames");

  EXPECT_EQ(ParseTimeoutFlag("10")->count(), 10000);
  EXPECT_EQ(ParseTimeoutFlag("1.5")->count(), 1500);
  EXPECT_EQ(ParseTimeoutFlag("0.001")->count(), 1);
  EXPECT_EQ(ParseTimeoutFlag("0").error().message,
            "invalid --timeout value \"0\": must be greater than 0");
  EXPECT_EQ(ParseTimeoutFlag("1.").error().message,
            "invalid --timeout value \"1.\": expected seconds, e.g. 10 or 1.5");
  EXPECT_EQ(ParseTimeoutFlag(".5").error().message,
            "invalid --timeout value \".5\": expected seconds, e.g. 10 or 1.5");
  EXPECT_EQ(ParseTimeoutFlag("0.0001").error().message,
            "invalid --timeout value \"0.0001\": at most millisecond precision");
  EXPECT_EQ(ParseTimeoutFlag("1s").error().message,
            "invalid --timeout value \"1s\": expected seconds, e.g. 10 or 1.5");
}

TEST(GuestPath, Normalization) {
  EXPECT_TRUE(IsNormalizedGuestPath("/"));
  EXPECT_TRUE(IsNormalizedGuestPath("."));
  EXPECT_TRUE(IsNormalizedGuestPath("/a/b"));
  EXPECT_FALSE(IsNormalizedGuestPath(""));
  EXPECT_FALSE(IsNormalizedGuestPath("//"));
  EXPECT_FALSE(IsNormalizedGuestPath("/a/"));
  EXPECT_EQ(NormalizeGuestPath("//a//b/./"), "/a/b");
  EXPECT_EQ(NormalizeGuestPath("./"), ".");
  EXPECT_EQ(NormalizeGuestPath("//"), "/");
}

}  // namespace
}  // namespace capsa::policy
