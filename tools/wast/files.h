// The runner's contact with the operating system: reading files, a private
// temporary directory, and running wast2json. Kept apart from the pure parts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/base/result.h"

namespace capsa::wast {

Result<std::vector<uint8_t>> ReadBinaryFile(const std::string& path);
Result<std::string> ReadTextFile(const std::string& path);

// A directory made with mkdtemp and removed, with its contents, on destruction.
class TempDir {
 public:
  static Result<TempDir> Create();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Runs `wast2json <wast> -o <dir>/<stem>.json` (found on PATH) and returns the
// path of the .json it wrote. wast2json's diagnostics go to our stderr.
Result<std::string> ConvertWast(const std::string& wast_path, const TempDir& dir);

}  // namespace capsa::wast
