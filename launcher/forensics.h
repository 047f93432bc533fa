// Violation forensics. When the worker's seccomp filter traps a forbidden
// system call (SECCOMP_RET_TRAP), its SIGSYS handler (seccomp_policy.cc)
// writes one ViolationReport and up to kCodeWindow code bytes to the
// forensics pipe (worker fd 5, O_NONBLOCK, the filter's only other writable
// fd), then dies by SIGSYS. After the worker is reaped, the launcher reads
// the pipe and turns the report into the lines users see:
//
//   capsa: sandbox violation: worker called openat(0xffffff9c, 0x..., ...) at 0x4012a4
//   capsa:     0x40129c: mov eax, 0x101
//   capsa:   > 0x4012a2: syscall
//   capsa:   syscall instruction bytes: 0f 05 at 0x4012a2
//
// The report is the account of a process that may be compromised: it is
// parsed as hostile bytes and labelled "worker called" (not "proved"). The
// trustworthy part is the wait status — death by SIGSYS — which is a
// violation with or without a report (SIGSYS blocked, pipe full, ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace capsa::launcher {

inline constexpr uint32_t kViolationMagic = 0x56534143;  // "CASV"
inline constexpr uint32_t kCodeWindow = 64;              // bytes around the IP

// Written by the SIGSYS handler with one write(2); the code bytes follow in
// a second write(2) (the kernel copies them, so an unreadable page costs the
// bytes — EFAULT — never the worker's handler). Native endianness: the
// launcher and the worker are the same binary on the same machine.
struct ViolationReport {
  uint32_t magic = kViolationMagic;
  uint32_t arch = 0;       // AUDIT_ARCH_* from siginfo (x86-64, or i386 for int 0x80)
  int32_t nr = -1;         // si_syscall
  uint32_t code_len = 0;   // bytes the handler tried to send after this header
  uint64_t args[6] = {};
  uint64_t ip = 0;         // the instruction after the trapping syscall
  uint64_t code_addr = 0;  // address of the first code byte that follows
};

struct Violation {
  ViolationReport report;
  std::vector<uint8_t> code;  // as many bytes as arrived (≤ kCodeWindow)
};

// The last complete report in `bytes` (hostile input: a worker may write
// anything to its forensics fd before it violates). nullopt if none.
std::optional<Violation> ParseViolation(std::string_view bytes);

// The syscall's name for the report's architecture ("open", "socket"), or
// "syscall #N" if libseccomp does not know it.
std::string SyscallName(const ViolationReport& report);

// The human report: the headline, then a Capstone disassembly of the
// instructions around the IP (x86-64 / i386) with the trapping instruction
// marked, then the byte scan for syscall (0f 05), int 0x80 (cd 80) and
// sysenter (0f 34) — Capstone's linear sweep misses one hidden inside
// another instruction's immediate. Lines have no "capsa: " prefix and no
// newline. Control bytes never reach the terminal.
std::vector<std::string> DescribeViolation(const Violation& v);

// Offsets of 0f 05, cd 80 and 0f 34 in `code`. Pure.
struct SyscallSite {
  size_t offset;
  const char* what;  // "syscall", "int 0x80", "sysenter"
};
std::vector<SyscallSite> ScanForSyscallInstructions(const std::vector<uint8_t>& code);

}  // namespace capsa::launcher
