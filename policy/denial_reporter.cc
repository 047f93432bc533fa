#include "policy/denial_reporter.h"

#include <errno.h>
#include <unistd.h>

#include "policy/wasi_rights.h"

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

namespace {

// What the guest tried, as a verb phrase for "denied <verb> <path>".
std::string Verb(const DenialEvent& e) {
  const std::string& op = e.operation;
  const uint64_t missing = e.rights_needed & ~e.rights_held;
  if (op == "fd_write" || op == "fd_pwrite") return "write to";
  if (op == "fd_read" || op == "fd_pread") return "read from";
  if (op == "path_open") {
    if (e.rights_needed & rights::kPathCreateFile) return "create";
    if (missing & rights::kWriteRights) return "open for writing";
    return "open";
  }
  if (op == "path_unlink_file") return "unlink";
  if (op == "path_create_directory") return "mkdir";
  if (op == "path_remove_directory") return "rmdir";
  if (op == "path_filestat_get") return "stat";
  return op + " on";
}

}  // namespace

std::string StderrDenialReporter::CauseKey(const DenialEvent& e) const {
  const DenialCause cause = ClassifyDenial(e);
  std::string scope = e.rule;
  if (scope.empty() && rules_ != nullptr) scope = rules_->RuleFor(e.guest_path);
  if (cause == DenialCause::kOther || cause == DenialCause::kNoGrant) scope += '\0' + e.reason;
  return std::string("d") + '\0' + Verb(e) + '\0' + DenialCauseName(cause) + '\0' + scope;
}

std::string StderrDenialReporter::Explain(const DenialEvent& e) const {
  // Without a path (fd_write on an fd the guest got elsewhere) the WASI
  // function names what was tried better than a dangling verb.
  std::string line = "denied ";
  line += e.guest_path.empty() ? Printable(e.operation) : Verb(e);
  if (!e.guest_path.empty()) {
    line += " " + Printable(e.guest_path);
    if (!e.host_path.empty()) line += " (host " + Printable(e.host_path) + ")";
  }
  line += ": ";
  size_t grant_index = 0;
  const DirGrant* grant = nullptr;
  if (rules_ != nullptr) {
    if (std::optional<size_t> i = rules_->GrantFor(e.guest_path)) {
      grant_index = *i;
      grant = &rules_->policy().dirs[grant_index];
    }
  }
  const uint64_t missing = e.rights_needed & ~e.rights_held;
  switch (ClassifyDenial(e)) {
    case DenialCause::kDenyRule:
      return line + "refused by the policy rule " + Printable(e.rule);
    case DenialCause::kEscape:
      if (grant != nullptr && e.reason.find("escapes") != std::string::npos) {
        return line + "the path escapes the preopen " + Printable(grant->guest_path);
      }
      return line + Printable(e.reason);
    case DenialCause::kMissingRights:
      if (grant != nullptr && grant->mode == DirMode::kReadOnly &&
          (missing & rights::kWriteRights) != 0) {
        return line + "the grant for " + Printable(grant->guest_path) +
               " is read-only \u2014 grant it with --dir " + Printable(grant->host_path) +
               "::" + Printable(grant->guest_path) + "::rw";
      }
      if (grant != nullptr && grant->mode == DirMode::kRights) {
        return line + "the grant for " + Printable(grant->guest_path) + " lacks " +
               RightsToNames(missing) + " \u2014 add it to rights of dir[" +
               std::to_string(grant_index) + "] in the policy";
      }
      return line + "missing rights " + RightsToNames(missing) + " (" + Printable(e.reason) + ")";
    case DenialCause::kNoGrant:
    case DenialCause::kOther:
      break;
  }
  return line + Printable(e.reason);
}

void StderrDenialReporter::OnDenial(const DenialEvent& e) {
  PrintOnce(CauseKey(e), "capsa: " + Explain(e) + "\n");
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
void FanOutSink::OnSandboxViolation(const std::string& what) {
  for (EventSink* s : sinks_) if (s) s->OnSandboxViolation(what);
}
void FanOutSink::OnEnd(const EndEvent& e) {
  for (EventSink* s : sinks_) if (s) s->OnEnd(e);
}

}  // namespace capsa::policy
