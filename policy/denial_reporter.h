// Human-facing event sinks.
//
// StderrDenialReporter prints one line per distinct denial cause, so a user
// sees why a guest failed without reading the audit log:
//   capsa: denied path_open of ../x: path escapes the preopen /data
//   capsa: unsupported WASI call sock_accept (the guest was told ENOSYS)
// A cause is (operation, guest path, reason); repeats are dropped, and after
// kMaxLines distinct causes one last line says the rest are suppressed, so a
// hostile guest cannot flood the terminal. Protocol violations are not
// printed here: the launcher reports them once as the run's outcome.
//
// FanOutSink forwards every event to several sinks in order.
//
// Both are called from one thread; neither owns the fd or sinks it uses.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "policy/events.h"

namespace capsa::policy {

class StderrDenialReporter final : public EventSink {
 public:
  static constexpr size_t kMaxLines = 20;

  explicit StderrDenialReporter(int fd = 2) : fd_(fd) {}

  void OnDenial(const DenialEvent& e) override;
  void OnDerived(const DerivedEvent&) override {}
  void OnUnsupported(const std::string& function) override;
  void OnProtocolViolation(const std::string&) override {}

 private:
  void PrintOnce(const std::string& key, const std::string& line);

  int fd_;
  std::set<std::string> seen_;
  bool suppressed_notice_ = false;
};

class FanOutSink final : public EventSink {
 public:
  explicit FanOutSink(std::vector<EventSink*> sinks) : sinks_(std::move(sinks)) {}

  void OnDenial(const DenialEvent& e) override;
  void OnDerived(const DerivedEvent& e) override;
  void OnUnsupported(const std::string& function) override;
  void OnProtocolViolation(const std::string& what) override;
  void OnGrant(const GrantEvent& e) override;
  void OnEnd(const EndEvent& e) override;

 private:
  std::vector<EventSink*> sinks_;  // not owned; nulls are skipped
};

}  // namespace capsa::policy
