#include "launcher/outcome_pipe.h"

#include <errno.h>
#include <unistd.h>

namespace capsa::launcher {
namespace {

using Kind = caps::WorkerOutcome::Kind;
constexpr size_t kHeaderBytes = 1 + 4 + 4;

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

uint32_t GetU32(std::string_view in, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(static_cast<uint8_t>(in[at + i])) << (8 * i);
  return v;
}

}  // namespace

std::string EncodeOutcome(const caps::WorkerOutcome& outcome) {
  std::string_view message = outcome.message;
  if (message.size() > kMaxOutcomeMessage) message = message.substr(0, kMaxOutcomeMessage);
  std::string out;
  out += static_cast<char>(outcome.kind);
  PutU32(out, outcome.exit_code);
  PutU32(out, static_cast<uint32_t>(message.size()));
  out += message;
  return out;
}

std::optional<caps::WorkerOutcome> DecodeOutcome(std::string_view bytes) {
  if (bytes.size() < kHeaderBytes) return std::nullopt;
  const auto kind = static_cast<uint8_t>(bytes[0]);
  if (kind > static_cast<uint8_t>(Kind::kOutputLimit)) return std::nullopt;
  const uint32_t length = GetU32(bytes, 5);
  if (length > kMaxOutcomeMessage || bytes.size() != kHeaderBytes + length) return std::nullopt;
  caps::WorkerOutcome outcome;
  outcome.kind = static_cast<Kind>(kind);
  outcome.exit_code = GetU32(bytes, 1);
  outcome.message = std::string(bytes.substr(kHeaderBytes));
  return outcome;
}

bool WriteOutcome(int fd, const caps::WorkerOutcome& outcome) {
  const std::string bytes = EncodeOutcome(outcome);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::optional<caps::WorkerOutcome> ReadOutcome(int fd) {
  std::string bytes;
  char buf[1024];
  while (bytes.size() <= kHeaderBytes + kMaxOutcomeMessage) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  return DecodeOutcome(bytes);
}

}  // namespace capsa::launcher
