#include "launcher/seccomp_patch.h"

#include <cstdio>
#include <string>

namespace capsa::launcher {

std::string DescribeInstruction(const sock_filter& f) {
  char buf[64];
  snprintf(buf, sizeof buf, "{code 0x%04x, jt %u, jf %u, k 0x%08x}", f.code, f.jt, f.jf, f.k);
  return buf;
}

Result<std::vector<uint32_t>> FindPatchSites(std::span<const sock_filter> a,
                                             std::span<const sock_filter> b,
                                             uint32_t sentinel_a, uint32_t sentinel_b) {
  auto fail = [](std::string why) {
    return MakeError(ErrorCode::kInternal, "seccomp patch sites: " + std::move(why));
  };
  if (sentinel_a == sentinel_b) return fail("the two sentinels are equal");
  if (a.size() != b.size()) {
    return fail("the programs differ in length (" + std::to_string(a.size()) + " vs " +
                std::to_string(b.size()) + " instructions): the value changes the filter's shape");
  }
  std::vector<uint32_t> sites;
  for (size_t i = 0; i < a.size(); ++i) {
    const sock_filter& x = a[i];
    const sock_filter& y = b[i];
    if (x.code == y.code && x.jt == y.jt && x.jf == y.jf && x.k == y.k) continue;
    const bool jump_k = BPF_CLASS(x.code) == BPF_JMP && BPF_SRC(x.code) == BPF_K;
    if (x.code != y.code || x.jt != y.jt || x.jf != y.jf || !jump_k || x.k != sentinel_a ||
        y.k != sentinel_b) {
      return fail("instruction " + std::to_string(i) + " differs in more than a sentinel operand: " +
                  DescribeInstruction(x) + " vs " + DescribeInstruction(y));
    }
    sites.push_back(static_cast<uint32_t>(i));
  }
  if (sites.empty()) return fail("the programs are identical: the value is never compared");
  return sites;
}

}  // namespace capsa::launcher
