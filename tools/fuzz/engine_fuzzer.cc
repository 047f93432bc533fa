// libFuzzer entry point for the engine: see engine_harness.h. Built only with
// -DCAPSA_FUZZ=ON and clang; see tools/fuzz/README.md.
#include <cstdio>
#include <cstdlib>

#include "tools/fuzz/engine_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const capsa::fuzz::HarnessReport report = capsa::fuzz::RunEngineHarness({data, size});
  if (!report.violation.empty()) {
    // A broken contract is a bug even without a crash: make libFuzzer keep it.
    std::fprintf(stderr, "engine contract violated: %s\n", report.violation.c_str());
    std::abort();
  }
  return 0;
}
