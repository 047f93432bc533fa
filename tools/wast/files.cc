#include "tools/wast/files.h"

#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

extern char** environ;

namespace capsa::wast {

Result<std::vector<uint8_t>> ReadBinaryFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kIo, "cannot open " + path);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return MakeError(ErrorCode::kIo, "cannot read " + path);
  return bytes;
}

Result<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kIo, "cannot open " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return MakeError(ErrorCode::kIo, "cannot read " + path);
  return text;
}

Result<TempDir> TempDir::Create() {
  std::error_code ec;
  std::filesystem::path base = std::filesystem::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string pattern = (base / "capsa-wast-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return MakeError(ErrorCode::kIo, "mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  return TempDir(std::move(pattern));
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;  // best effort: a leftover temp dir is not worth failing for
  std::filesystem::remove_all(path_, ec);
}

Result<std::string> ConvertWast(const std::string& wast_path, const TempDir& dir) {
  const std::string stem = std::filesystem::path(wast_path).stem().string();
  const std::string json_path = dir.path() + "/" + stem + ".json";
  std::string prog = "wast2json";
  std::string out_flag = "-o";
  std::string input = wast_path;
  std::string output = json_path;
  char* argv[] = {prog.data(), input.data(), out_flag.data(), output.data(), nullptr};
  pid_t pid = 0;
  int err = posix_spawnp(&pid, "wast2json", nullptr, nullptr, argv, environ);
  if (err != 0) {
    return MakeError(ErrorCode::kIo, std::string("cannot run wast2json: ") + std::strerror(err));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return MakeError(ErrorCode::kIo, std::string("waitpid: ") + std::strerror(errno));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return MakeError(ErrorCode::kMalformed, "wast2json failed on " + wast_path);
  }
  return json_path;
}

}  // namespace capsa::wast
