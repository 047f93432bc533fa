// The precompiled seccomp programs (launcher/seccomp_gen.cc) against what
// libseccomp builds from the same rules at run time, the patch-site finder,
// and the raw loader that replaced seccomp_load.
#include <linux/filter.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "launcher/broker_sandbox.h"
#include "launcher/seccomp_filter.h"
#include "launcher/seccomp_patch.h"
#include "launcher/seccomp_policy.h"
#include "launcher/seccomp_rules.h"
#include "launcher/worker.h"

namespace capsa::launcher {
namespace {

// Byte-identical, or the first differing instruction.
void ExpectSameProgram(std::span<const sock_filter> precompiled,
                       std::span<const sock_filter> built, const std::string& what) {
  ASSERT_EQ(precompiled.size(), built.size()) << what;
  for (size_t i = 0; i < built.size(); ++i) {
    ASSERT_EQ(memcmp(&precompiled[i], &built[i], sizeof(sock_filter)), 0)
        << what << ": instruction " << i << " is " << DescribeInstruction(precompiled[i]) << ", libseccomp has "
        << DescribeInstruction(built[i]);
  }
}

WorkerSyscallSpec SpecFor(pid_t pid) {
  return {kWorkerSocketFd, kWorkerMemfd, kWorkerForensicsFd, pid};
}

TEST(SeccompPrecompiled, WorkerProgramEqualsLibseccompForEachPid) {
  for (pid_t pid : {1, 2, 1234, 65535, 4194304, 0x7fffffff}) {
    Result<std::vector<sock_filter>> precompiled = WorkerFilterProgram(SpecFor(pid));
    ASSERT_TRUE(precompiled.ok()) << pid << ": " << precompiled.error().message;
    Result<SeccompFilterPtr> ctx = BuildWorkerFilter(SpecFor(pid));
    ASSERT_TRUE(ctx.ok()) << ctx.error().message;
    Result<std::vector<sock_filter>> built = ExportFilterBpf(ctx->get());
    ASSERT_TRUE(built.ok()) << built.error().message;
    ExpectSameProgram(*precompiled, *built, "pid " + std::to_string(pid));
  }
}

TEST(SeccompPrecompiled, WorkerProgramRefusesPidNotPositive) {
  for (pid_t pid : {0, -1, INT_MIN}) {
    Result<std::vector<sock_filter>> program = WorkerFilterProgram(SpecFor(pid));
    ASSERT_FALSE(program.ok()) << pid;
    EXPECT_EQ(program.error().message, "seccomp: incomplete worker spec");
  }
}

// The fds are compiled in: other fds are refused, never silently mismatched.
TEST(SeccompPrecompiled, WorkerProgramRefusesOtherFds) {
  const WorkerSyscallSpec specs[] = {
      {kWorkerSocketFd + 10, kWorkerMemfd, kWorkerForensicsFd, 1234},
      {kWorkerSocketFd, kWorkerMemfd + 10, kWorkerForensicsFd, 1234},
      {kWorkerSocketFd, kWorkerMemfd, kWorkerForensicsFd + 10, 1234},
      {-1, kWorkerMemfd, kWorkerForensicsFd, 1234},
  };
  for (const WorkerSyscallSpec& spec : specs) {
    EXPECT_FALSE(WorkerFilterProgram(spec).ok()) << spec.socket_fd << " " << spec.memfd << " "
                                                 << spec.forensics_fd;
  }
  Result<std::vector<sock_filter>> program = WorkerFilterProgram(specs[0]);
  ASSERT_FALSE(program.ok());
  EXPECT_EQ(program.error().message,
            "seccomp: the precompiled worker filter is for fds 3, 4, 5, not 13, 4, 5");
}

TEST(SeccompPrecompiled, BrokerProgramEqualsLibseccomp) {
  Result<SeccompFilterPtr> ctx = BuildBrokerFilter();
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  Result<std::vector<sock_filter>> built = ExportFilterBpf(ctx->get());
  ASSERT_TRUE(built.ok()) << built.error().message;
  ExpectSameProgram(BrokerFilterProgram(), *built, "broker");
}

// seccomp_load's flags are reproduced only for these attributes.
TEST(SeccompPrecompiled, RuleSetsUseTheAttributesTheLoaderReproduces) {
  Result<SeccompFilterPtr> worker = BuildWorkerFilter(SpecFor(1234));
  ASSERT_TRUE(worker.ok());
  EXPECT_TRUE(CheckLoadAttributes(worker->get()).ok());
  Result<SeccompFilterPtr> broker = BuildBrokerFilter();
  ASSERT_TRUE(broker.ok());
  EXPECT_TRUE(CheckLoadAttributes(broker->get()).ok());
  for (scmp_filter_attr attr : {SCMP_FLTATR_CTL_TSYNC, SCMP_FLTATR_CTL_LOG}) {
    Result<SeccompFilterPtr> ctx = BuildBrokerFilter();
    ASSERT_TRUE(ctx.ok());
    ASSERT_EQ(seccomp_attr_set(ctx->get(), attr, 1), 0);
    EXPECT_FALSE(CheckLoadAttributes(ctx->get()).ok()) << attr;
  }
  Result<SeccompFilterPtr> no_nnp = BuildBrokerFilter();
  ASSERT_TRUE(no_nnp.ok());
  ASSERT_EQ(seccomp_attr_set(no_nnp->get(), SCMP_FLTATR_CTL_NNP, 0), 0);
  Result<void> checked = CheckLoadAttributes(no_nnp->get());
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().message,
            "seccomp: the filter sets CTL_NNP to 0; the precompiled loader reproduces only 1");
}

// Like seccomp_load (CTL_NNP), the loader sets no_new_privs itself: a child
// that never set it ends up with it set and in filter mode.
TEST(SeccompPrecompiled, LoaderSetsNoNewPrivsAndFilterMode) {
  fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0) _exit(10);  // inherited: nothing to see
    if (!LoadFilterProgram("test", BrokerFilterProgram()).ok()) _exit(11);
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) _exit(12);
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2) _exit(13);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  if (WEXITSTATUS(status) == 10) GTEST_SKIP() << "no_new_privs is already set for this test";
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(SeccompPrecompiled, LoaderRefusesAnEmptyProgram) {
  Result<void> loaded = LoadFilterProgram("test", {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().message, "test seccomp: loading the filter: Invalid argument");
}

constexpr uint32_t kA = 0x5eccb1da;
constexpr uint32_t kB = 0x2eccb1db;
constexpr uint16_t kJeqK = BPF_JMP | BPF_JEQ | BPF_K;
constexpr uint16_t kLdAbs = BPF_LD | BPF_W | BPF_ABS;
constexpr uint16_t kRetK = BPF_RET | BPF_K;

struct SitesCase {
  const char* name;
  std::vector<sock_filter> a;
  std::vector<sock_filter> b;
  std::vector<uint32_t> sites;  // empty: must be refused
  const char* error = "";       // substring of the refusal
};

TEST(SeccompPatchSites, FindsOnlySentinelOperands) {
  const sock_filter ld{kLdAbs, 0, 0, 16};
  const sock_filter ret{kRetK, 0, 0, 0x7fff0000};
  const std::vector<SitesCase> cases = {
      {"one site", {ld, {kJeqK, 0, 1, kA}, ret}, {ld, {kJeqK, 0, 1, kB}, ret}, {1}},
      {"two sites", {{kJeqK, 0, 1, kA}, ld, {kJeqK, 2, 0, kA}, ret},
       {{kJeqK, 0, 1, kB}, ld, {kJeqK, 2, 0, kB}, ret}, {0, 2}},
      {"sentinel elsewhere but equal in both", {{kJeqK, 0, 1, kA}, {kJeqK, 0, 1, kA}},
       {{kJeqK, 0, 1, kA}, {kJeqK, 0, 1, kB}}, {1}},
      {"identical", {ld, ret}, {ld, ret}, {}, "identical"},
      {"different length", {ld, ret}, {ld, ld, ret}, {}, "length"},
      {"jump offsets differ", {{kJeqK, 0, 1, kA}, ret}, {{kJeqK, 0, 2, kB}, ret}, {},
       "instruction 0"},
      {"codes differ", {{kJeqK, 0, 1, kA}, ret}, {{BPF_JMP | BPF_JGT | BPF_K, 0, 1, kB}, ret}, {},
       "instruction 0"},
      {"not a jump", {{kLdAbs, 0, 0, kA}, ret}, {{kLdAbs, 0, 0, kB}, ret}, {}, "instruction 0"},
      {"register source", {{BPF_JMP | BPF_JEQ | BPF_X, 0, 1, kA}, ret},
       {{BPF_JMP | BPF_JEQ | BPF_X, 0, 1, kB}, ret}, {}, "instruction 0"},
      {"other operand", {ld, {kJeqK, 0, 1, 7}, ret}, {ld, {kJeqK, 0, 1, 8}, ret}, {},
       "instruction 1"},
      {"sentinels swapped", {{kJeqK, 0, 1, kB}}, {{kJeqK, 0, 1, kA}}, {}, "instruction 0"},
  };
  for (const SitesCase& c : cases) {
    Result<std::vector<uint32_t>> sites = FindPatchSites(c.a, c.b, kA, kB);
    if (c.sites.empty()) {
      ASSERT_FALSE(sites.ok()) << c.name;
      EXPECT_NE(sites.error().message.find(c.error), std::string::npos)
          << c.name << ": " << sites.error().message;
    } else {
      ASSERT_TRUE(sites.ok()) << c.name << ": " << sites.error().message;
      EXPECT_EQ(*sites, c.sites) << c.name;
    }
  }
  EXPECT_FALSE(FindPatchSites({}, {}, kA, kA).ok());
}

TEST(SeccompPatchSites, PatchWritesEverySite) {
  std::vector<sock_filter> program = {{kJeqK, 0, 1, kA}, {kRetK, 0, 0, 0}, {kJeqK, 1, 0, kA}};
  const uint32_t sites[] = {0, 2};
  EXPECT_TRUE(SitesHold(program, sites, kA));
  PatchSites(program, sites, 4321);
  EXPECT_EQ(program[0].k, 4321u);
  EXPECT_EQ(program[1].k, 0u);
  EXPECT_EQ(program[2].k, 4321u);
  EXPECT_FALSE(SitesHold(program, sites, kA));
  const uint32_t outside[] = {3};
  EXPECT_FALSE(SitesHold(program, outside, 0));
  EXPECT_FALSE(SitesHold(program, {}, 0));
}

}  // namespace
}  // namespace capsa::launcher
