// The broker → launcher report: the worker's outcome, written once to a pipe
// just before the broker exits. Fixed little-endian layout:
//   u8 kind | u32 exit_code | u32 message length | message bytes
// The message is cut to kMaxOutcomeMessage bytes so a whole report always
// fits in the pipe buffer: the broker never blocks on it, and the launcher
// reads it only after the broker has exited.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "caps/broker.h"

namespace capsa::launcher {

inline constexpr size_t kMaxOutcomeMessage = 2048;

std::string EncodeOutcome(const caps::WorkerOutcome& outcome);
// nullopt unless `bytes` is exactly one well-formed report.
std::optional<caps::WorkerOutcome> DecodeOutcome(std::string_view bytes);

// Writes the encoded report (EINTR and short writes handled).
bool WriteOutcome(int fd, const caps::WorkerOutcome& outcome);
// Reads to EOF and decodes; nullopt if nothing or garbage arrived.
std::optional<caps::WorkerOutcome> ReadOutcome(int fd);

}  // namespace capsa::launcher
