// capsa-load-bench: how fast the engine turns module bytes into runnable code.
//
//   capsa-load-bench [--reps N] MODULE.wasm
//
// Times engine::LoadModule (decode + validate + translate every body) N times
// (default 5) and prints the best run as MB/s of module bytes, by wall time
// and by this process's CPU time (the fair figure on a shared machine), then
// the phases timed separately. No instantiation, no sandbox: this is the
// engine's front end alone. See tools/bench/README.md.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/decoder.h"
#include "engine/interp/compiler.h"
#include "engine/module_validator.h"
#include "engine/runtime.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int Usage() {
  std::fprintf(stderr, "usage: capsa-load-bench [--reps N] MODULE.wasm\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace capsa::engine;
  int reps = 5;
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (argv[i][0] == '-' || path) {
      return Usage();
    } else {
      path = argv[i];
    }
  }
  if (!path) return Usage();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "capsa-load-bench: cannot read %s\n", path);
    return 1;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const double mb = static_cast<double>(bytes.size()) / 1e6;

  double best_cpu = 1e30;
  double best = 1e30, best_decode = 0, best_validate = 0, best_compile = 0;
  size_t functions = 0;
  for (int r = 0; r < reps; ++r) {
    // The whole public entry point first (what `capsa run` does) ...
    const double c0 = CpuSeconds();
    auto t0 = Clock::now();
    auto module = LoadModule(bytes);
    auto t1 = Clock::now();
    best_cpu = std::min(best_cpu, CpuSeconds() - c0);
    if (!module.ok()) {
      std::fprintf(stderr, "capsa-load-bench: %s\n", module.error().message.c_str());
      return 1;
    }
    functions = module.value()->bodies.size();
    // ... then its phases one by one, for where the time goes.
    auto p0 = Clock::now();
    auto decoded = DecodeModule(bytes);
    auto p1 = Clock::now();
    if (!decoded.ok()) return 1;
    Module m = std::move(decoded.value());
    if (!ValidateModule(m).ok()) return 1;
    auto p2 = Clock::now();
    for (uint32_t i = 0; i < m.bodies.size(); ++i)
      if (!CompileFunction(m, i).ok()) return 1;
    auto p3 = Clock::now();
    if (Seconds(t0, t1) < best) {
      best = Seconds(t0, t1);
      best_decode = Seconds(p0, p1);
      best_validate = Seconds(p1, p2);
      best_compile = Seconds(p2, p3);
    }
  }
  std::printf("%s: %.1f MB, %zu functions\n", path, mb, functions);
  std::printf("LoadModule: wall %.3f s = %.1f MB/s, cpu %.3f s = %.1f MB/s (best of %d)\n", best,
              mb / best, best_cpu, mb / best_cpu, reps);
  std::printf("  decode %.3f s, validate %.3f s, validate+translate bodies %.3f s\n", best_decode,
              best_validate, best_compile);
  return 0;
}
