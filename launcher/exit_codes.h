// capsa's exit status, one documented value per way a run can end.
//
// The guest's own status passes through unchanged when it is 0–125, as a
// shell expects from the program it ran. Statuses capsa chooses itself live
// above 128 — like a shell's 128+signal — so they cannot be mistaken for a
// guest status: a trap looks like a native abort (134 = 128+SIGABRT) and a
// seccomp kill like a native SIGSYS death (159 = 128+31). Distinct capsa
// outcomes take the numbers after 159. 2 is the usual "bad usage" status
// (shared with a guest that exits 2, as in wasmtime; the stderr line tells
// them apart). 126–128 stay unused because shells reserve them.
#pragma once

namespace capsa::launcher {

// Largest guest exit status passed through unchanged.
inline constexpr int kMaxGuestExitStatus = 125;

// Bad command line, unreadable module file, missing --dir directory, a
// failure of the launcher itself (fork, memfd, socketpair) or of the worker's
// sandbox set-up. stderr: "capsa: <what>".
inline constexpr int kExitUsage = 2;
// The guest exited with a status above 125 (WASI allows up to 2^32-1, a
// process only 0–255, and 126+ would collide with the codes below).
// stderr: "capsa: guest exit status N is out of range".
inline constexpr int kExitGuestStatusOutOfRange = 125;
// The guest trapped (unreachable, out-of-bounds access, fuel exhausted, ...).
// stderr: "capsa: trap: <message> in function <name>".
inline constexpr int kExitTrap = 134;
// The worker made a system call outside its seccomp allowlist. stderr:
// "capsa: sandbox violation: worker called NAME(ARGS) at 0xIP" and a few
// "capsa:   0x...: insn" disassembly lines (launcher/forensics.h); without a
// report from the worker's SIGSYS handler: "... worker killed by seccomp
// (SIGSYS), no report".
inline constexpr int kExitSandboxViolation = 159;
// The worker used more CPU time than --cpu-time (RLIMIT_CPU; like a native
// SIGXCPU death, 128+24). stderr: "capsa: cpu time limit: ...".
inline constexpr int kExitCpuTimeLimit = 152;
// The guest wrote more than --max-output bytes to stdout+stderr; the broker
// refused the rest with EFBIG and ended the run (like a native SIGXFSZ death,
// 128+25). Everything written before the cap reached the output.
// stderr: "capsa: output limit: ...".
inline constexpr int kExitOutputLimit = 153;
// The worker sent the broker a malformed message.
// stderr: "capsa: protocol violation: <what>".
inline constexpr int kExitProtocolViolation = 160;
// The worker died of another signal, or exited without reporting an outcome.
// stderr: "capsa: worker crashed (signal N)".
inline constexpr int kExitWorkerCrash = 161;
// The broker died, or exited without reporting the worker's outcome.
// stderr: "capsa: broker failed: <what>".
inline constexpr int kExitBrokerFailure = 162;
// The module does not decode or validate, cannot be linked, or has no
// `_start` function. stderr: "capsa: invalid module: <what>".
inline constexpr int kExitModuleRejected = 163;
// The run exceeded --timeout (wall clock); the worker was killed. 124 as in
// timeout(1); like there, a guest that exits 124 itself is told apart only by
// the stderr line. stderr: "capsa: timeout: the run exceeded N ms".
inline constexpr int kExitTimeout = 124;

}  // namespace capsa::launcher
