#include "policy/denial_reporter.h"

#include <errno.h>
#include <unistd.h>

namespace capsa::policy {
namespace {

// Guest-chosen strings go to a terminal: replace control bytes so a path
// cannot carry escape sequences or fake extra lines.
std::string Printable(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void WriteAll(int fd, const std::string& s) {
  const char* p = s.data();
  size_t left = s.size();
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr gone: nothing better to do
    p += static_cast<size_t>(n);
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

void StderrDenialReporter::PrintOnce(const std::string& key, const std::string& line) {
  if (seen_.count(key) != 0) return;
  if (seen_.size() >= kMaxLines) {
    if (!suppressed_notice_) {
      suppressed_notice_ = true;
      WriteAll(fd_, "capsa: further denials are not shown (see --audit-log)\n");
    }
    return;
  }
  seen_.insert(key);
  WriteAll(fd_, line);
}

void StderrDenialReporter::OnDenial(const DenialEvent& e) {
  std::string key = std::string("d") + '\0' + e.operation + '\0' + e.guest_path + '\0' + e.reason;
  std::string line = "capsa: denied " + Printable(e.operation);
  if (!e.guest_path.empty()) line += " of " + Printable(e.guest_path);
  line += ": " + Printable(e.reason) + "\n";
  PrintOnce(key, line);
}

void StderrDenialReporter::OnUnsupported(const std::string& function) {
  PrintOnce(std::string("u") + '\0' + function, "capsa: unsupported WASI call " + Printable(function) +
                                  " (the guest was told ENOSYS)\n");
}

void FanOutSink::OnDenial(const DenialEvent& e) {
  for (EventSink* s : sinks_) if (s) s->OnDenial(e);
}
void FanOutSink::OnDerived(const DerivedEvent& e) {
  for (EventSink* s : sinks_) if (s) s->OnDerived(e);
}
void FanOutSink::OnUnsupported(const std::string& function) {
  for (EventSink* s : sinks_) if (s) s->OnUnsupported(function);
}
void FanOutSink::OnProtocolViolation(const std::string& what) {
  for (EventSink* s : sinks_) if (s) s->OnProtocolViolation(what);
}
void FanOutSink::OnGrant(const GrantEvent& e) {
  for (EventSink* s : sinks_) if (s) s->OnGrant(e);
}
void FanOutSink::OnEnd(const EndEvent& e) {
  for (EventSink* s : sinks_) if (s) s->OnEnd(e);
}

}  // namespace capsa::policy
