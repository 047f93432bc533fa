#include "launcher/forensics.h"

#include <capstone/capstone.h>
#include <dlfcn.h>
#include <linux/audit.h>
#include <seccomp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace capsa::launcher {
namespace {

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Capstone's text comes from worker bytes; keep it printable anyway.
std::string Clean(const char* s) {
  std::string out;
  for (; *s != '\0'; ++s) out += (*s >= 0x20 && *s < 0x7f) ? *s : '?';
  return out;
}

// Capstone is loaded on first use, not linked: its 77,000 relocations cost
// every `capsa` start about half its time (measured with perf), and only a
// violation report needs it. Null if the library is missing; the report then
// says so and keeps the byte scan.
struct CapstoneApi {
  decltype(&cs_open) open;
  decltype(&cs_option) option;
  decltype(&cs_disasm) disasm;
  decltype(&cs_free) free;
  decltype(&cs_close) close;
};

const CapstoneApi* Capstone() {
  static const CapstoneApi* api = []() -> const CapstoneApi* {
    void* lib = dlopen(CAPSA_CAPSTONE_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) return nullptr;
    static CapstoneApi loaded{
        reinterpret_cast<decltype(&cs_open)>(dlsym(lib, "cs_open")),
        reinterpret_cast<decltype(&cs_option)>(dlsym(lib, "cs_option")),
        reinterpret_cast<decltype(&cs_disasm)>(dlsym(lib, "cs_disasm")),
        reinterpret_cast<decltype(&cs_free)>(dlsym(lib, "cs_free")),
        reinterpret_cast<decltype(&cs_close)>(dlsym(lib, "cs_close"))};
    const bool complete = loaded.open && loaded.option && loaded.disasm && loaded.free && loaded.close;
    return complete ? &loaded : nullptr;
  }();
  return api;
}

// Disassembles `code` (loaded at `addr`) and returns up to `before`
// instructions ending at `ip` plus `after` following ones. The window may
// start mid-instruction, so the sweep starts at the first offset whose
// instruction boundaries land exactly on `ip`.
std::vector<std::string> Disassemble(const std::vector<uint8_t>& code, uint64_t addr, uint64_t ip,
                                     bool x86_64) {
  std::vector<std::string> lines;
  const CapstoneApi* cs = Capstone();
  if (cs == nullptr) return {"  (no disassembly: " CAPSA_CAPSTONE_SONAME " could not be loaded)"};
  csh handle;
  if (cs->open(CS_ARCH_X86, x86_64 ? CS_MODE_64 : CS_MODE_32, &handle) != CS_ERR_OK) return lines;
  cs->option(handle, CS_OPT_SKIPDATA, CS_OPT_ON);
  const uint64_t end = addr + code.size();
  for (uint64_t start = addr; start < ip && start < addr + 16 && ip <= end; ++start) {
    cs_insn* insn = nullptr;
    const size_t n = cs->disasm(handle, code.data() + (start - addr), end - start, start, 0, &insn);
    size_t at_ip = n;
    for (size_t i = 0; i < n; ++i) {
      if (insn[i].address + insn[i].size == ip) at_ip = i;
    }
    if (at_ip < n) {
      const size_t from = at_ip >= 4 ? at_ip - 4 : 0;
      const size_t to = std::min(n, at_ip + 3);
      for (size_t i = from; i < to; ++i) {
        std::string line = (i == at_ip ? "  > " : "    ") + Hex(insn[i].address) + ": " +
                           Clean(insn[i].mnemonic);
        if (insn[i].op_str[0] != '\0') line += " " + Clean(insn[i].op_str);
        lines.push_back(std::move(line));
      }
      cs->free(insn, n);
      break;
    }
    if (n > 0) cs->free(insn, n);
  }
  cs->close(&handle);
  return lines;
}

}  // namespace

std::optional<Violation> ParseViolation(std::string_view bytes) {
  std::optional<Violation> found;
  for (size_t at = 0; at + sizeof(ViolationReport) <= bytes.size(); ++at) {
    uint32_t magic;
    std::memcpy(&magic, bytes.data() + at, sizeof magic);
    if (magic != kViolationMagic) continue;
    Violation v;
    std::memcpy(&v.report, bytes.data() + at, sizeof v.report);
    if (v.report.code_len > kCodeWindow) continue;
    const size_t code_at = at + sizeof(ViolationReport);
    const size_t have = std::min<size_t>(v.report.code_len, bytes.size() - code_at);
    v.code.assign(bytes.begin() + code_at, bytes.begin() + code_at + have);
    found = std::move(v);
  }
  return found;
}

std::string SyscallName(const ViolationReport& r) {
  const uint32_t arch = r.arch == AUDIT_ARCH_I386 ? SCMP_ARCH_X86 : SCMP_ARCH_X86_64;
  char* name = seccomp_syscall_resolve_num_arch(arch, r.nr);
  std::string s = name != nullptr ? name : "syscall #" + std::to_string(r.nr);
  std::free(name);
  if (r.arch == AUDIT_ARCH_I386) s += " (i386 ABI)";
  return s;
}

std::vector<SyscallSite> ScanForSyscallInstructions(const std::vector<uint8_t>& code) {
  std::vector<SyscallSite> sites;
  for (size_t i = 0; i + 1 < code.size(); ++i) {
    if (code[i] == 0x0f && code[i + 1] == 0x05) sites.push_back({i, "syscall"});
    if (code[i] == 0xcd && code[i + 1] == 0x80) sites.push_back({i, "int 0x80"});
    if (code[i] == 0x0f && code[i + 1] == 0x34) sites.push_back({i, "sysenter"});
  }
  return sites;
}

std::vector<std::string> DescribeViolation(const Violation& v) {
  const ViolationReport& r = v.report;
  std::string head = "sandbox violation: worker called " + SyscallName(r) + "(";
  for (int i = 0; i < 6; ++i) head += (i ? ", " : "") + Hex(r.args[i]);
  head += ") at " + Hex(r.ip);
  std::vector<std::string> lines{head};
  if (v.code.empty()) {
    lines.push_back("  (no code bytes: the worker could not read them)");
    return lines;
  }
  const bool x86_64 = r.arch != AUDIT_ARCH_I386;
  for (std::string& l : Disassemble(v.code, r.code_addr, r.ip, x86_64)) lines.push_back(l);
  std::string scan;
  for (const SyscallSite& s : ScanForSyscallInstructions(v.code)) {
    scan += std::string(scan.empty() ? "" : ", ") + s.what + " at " + Hex(r.code_addr + s.offset);
  }
  lines.push_back("  byte scan: " + (scan.empty() ? std::string("no syscall instruction") : scan));
  return lines;
}

}  // namespace capsa::launcher
