// The engine fuzzing harness, shared by the libFuzzer target
// (engine_fuzzer.cc) and the corpus regression test
// (tests/fuzz/engine/corpus_test.cc): decode + validate + instantiate one
// module against a linker that satisfies every import, then call every
// exported function with zero arguments under small limits.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace capsa::fuzz {

// Small enough that one input runs in milliseconds, whatever it does.
inline constexpr uint64_t kHarnessMaxMemoryBytes = 16ull << 20;
inline constexpr uint64_t kHarnessFuel = 10000;
inline constexpr uint32_t kHarnessMaxCallDepth = 200;
inline constexpr uint64_t kHarnessMaxStackBytes = 1ull << 20;
// Largest table the linker makes to satisfy an imported table.
inline constexpr uint64_t kHarnessMaxImportedTable = 1u << 16;

enum class HarnessEnd : uint8_t {
  kRejected,         // LoadModule returned an Error
  kNotInstantiated,  // Instantiate returned an Error (unlinkable, limit)
  kInstantiateTrap,  // a segment or the start function trapped
  kRan,              // every export was called (each returned or trapped)
};

struct HarnessReport {
  HarnessEnd end = HarnessEnd::kRejected;
  std::string error;   // kRejected / kNotInstantiated: the Error's message
  uint32_t calls = 0;  // exported functions invoked
  uint32_t traps = 0;  // of which trapped
  // Set when the engine broke one of its own contracts without crashing
  // (an Error with no message, a result count that differs from the type).
  std::string violation;
};

// Pure apart from the engine's own allocations; safe to call repeatedly.
HarnessReport RunEngineHarness(std::span<const uint8_t> bytes);

const char* HarnessEndName(HarnessEnd end);

}  // namespace capsa::fuzz
