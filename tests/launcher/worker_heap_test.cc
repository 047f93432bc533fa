// PlaceHeapOnHugePages (launcher/worker.h): after it, the worker's
// allocations land in a heap region marked for transparent huge pages, and
// the heap still behaves like a heap. Each case runs in a forked child, so
// the test process's own malloc settings stay untouched.
#include <malloc.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "launcher/worker.h"

namespace capsa::launcher {
namespace {

// "always [madvise] never" → "madvise".
std::string ThpMode() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t open = text.find('['), close = text.find(']');
  if (open == std::string::npos || close == std::string::npos) return "";
  return text.substr(open + 1, close - open - 1);
}

// The VmFlags line of the mapping that holds `address`, from /proc/self/smaps.
std::string VmFlagsAt(uintptr_t address) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(':') > line.find(' ')) {
      inside = lo <= address && address < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return "";
}

// Runs `body` in a forked child; its return value is the exit status.
int InChild(const std::function<int()>& body) {
  const pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

bool HasFlag(const std::string& vmflags, const char* flag) {
  return (" " + vmflags + " ").find(std::string(" ") + flag + " ") != std::string::npos;
}

TEST(WorkerHeap, AllocationsAfterwardsLandOnHugePageMarkedHeap) {
  if (ThpMode() == "never" || ThpMode().empty()) GTEST_SKIP() << "transparent huge pages are off";
  const int status = InChild([] {
    // Before: an ordinary heap block is in a mapping without the flag.
    void* before = malloc(4096);
    if (HasFlag(VmFlagsAt(reinterpret_cast<uintptr_t>(before)), "hg")) return 10;
    // Blocks that need new heap: larger than all memory free before (a
    // smaller one may reuse a free chunk of the inherited heap, which stays
    // where it is). The translator's code buffers are of this kind.
    const size_t beyond_free = mallinfo2().fordblks + (size_t{64} << 10);
    PlaceHeapOnHugePages(100 << 10);
    int code = 20;
    for (size_t size : {beyond_free, size_t{3} << 20}) {
      code += 10;
      auto* p = static_cast<char*>(malloc(size));
      if (p == nullptr) return code + 1;
      std::memset(p, 0x5a, size);  // usable to the last byte
      const std::string flags = VmFlagsAt(reinterpret_cast<uintptr_t>(p));
      if (flags.empty()) return code + 2;
      if (!HasFlag(flags, "hg")) return code + 3;
      if (p[size - 1] != 0x5a) return code + 4;
    }
    // The span was untouched when it was marked, so a fault in it can take a
    // huge page (unless the kernel has none free right now: not asserted).
    return 0;
  });
  EXPECT_EQ(status, 0) << "10: flag before; then per block (30, 40): +1 malloc failed, +2 not "
                          "found in smaps, +3 not in a MADV_HUGEPAGE mapping, +4 memory not kept";
}

TEST(WorkerHeap, HugeModuleSizeStillLeavesAWorkingHeap) {
  // The pad is capped: a size that would ask for more than the cap neither
  // fails nor leaves malloc unusable.
  const int status = InChild([] {
    PlaceHeapOnHugePages(size_t{1} << 40);
    void* blocks[64];
    for (void*& b : blocks) {
      b = malloc(1 << 20);
      if (b == nullptr) return 1;
      std::memset(b, 1, 1 << 20);
    }
    for (void* b : blocks) free(b);
    return malloc(16) != nullptr ? 0 : 2;
  });
  EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace capsa::launcher
