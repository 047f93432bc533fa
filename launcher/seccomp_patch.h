// Patch sites of a precompiled seccomp BPF program: the instructions whose
// immediate operand is a value known only at run time (the worker's pid).
// The generator (seccomp_gen.cc) finds them by building the filter twice with
// two sentinel values and comparing; the worker writes its pid into them
// (seccomp_policy.cc). Pure: no side effects, no system calls.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/base/result.h"

namespace capsa::launcher {

// One instruction as "{code 0x0015, jt 0, jf 1, k 0x0000002a}", for messages.
std::string DescribeInstruction(const sock_filter& f);

// The indices where `a` (built with `sentinel_a`) and `b` (built with
// `sentinel_b`) differ. Succeeds only if the programs have the same length,
// every differing instruction is a BPF_JMP|BPF_K comparison that is
// otherwise identical (code, jt, jf) with k == sentinel_a in `a` and
// k == sentinel_b in `b`, and there is at least one such site — i.e. the
// value changes nothing but those operands. Errors say which instruction
// broke the rule.
Result<std::vector<uint32_t>> FindPatchSites(std::span<const sock_filter> a,
                                             std::span<const sock_filter> b,
                                             uint32_t sentinel_a, uint32_t sentinel_b);

// Whether every site is inside `program` and holds `value` there (what the
// generator stored: the sentinel). constexpr, so the build can assert it.
constexpr bool SitesHold(std::span<const sock_filter> program, std::span<const uint32_t> sites,
                         uint32_t value) {
  if (sites.empty()) return false;
  for (uint32_t i : sites) {
    if (i >= program.size() || program[i].k != value) return false;
  }
  return true;
}

// Writes `value` into the immediate operand of every site. Sites must be
// valid for `program` (SitesHold).
inline void PatchSites(std::span<sock_filter> program, std::span<const uint32_t> sites,
                       uint32_t value) {
  for (uint32_t i : sites) program[i].k = value;
}

}  // namespace capsa::launcher
