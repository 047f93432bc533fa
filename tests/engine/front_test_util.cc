#include "tests/engine/front_test_util.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace capsa::engine::testing {

Bytes ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::shared_ptr<const Module> MustLoad(const Bytes& bytes) {
  auto m = LoadModule(bytes);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
  return m.ok() ? m.value() : nullptr;
}

}  // namespace capsa::engine::testing
