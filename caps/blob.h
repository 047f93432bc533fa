// The Hello blob: the run's args and env as the broker streams them to the
// worker. Layout (little-endian): u32 argc, u32 envc, then argc + envc
// strings, each u32 length + bytes. Pure functions; DecodeHello is strict
// (every byte accounted for) and allocates only through the C++ heap, so the
// seccomp-locked worker may call it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/base/result.h"

namespace capsa::caps {

std::string EncodeHello(const std::vector<std::string>& args, const std::vector<std::string>& env);

struct HelloData {
  std::vector<std::string> args;
  std::vector<std::string> env;
};
Result<HelloData> DecodeHello(std::string_view blob);

}  // namespace capsa::caps
