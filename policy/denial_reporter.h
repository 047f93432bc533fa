// Human-facing event sinks.
//
// StderrDenialReporter prints one line per distinct denial cause, so a user
// sees why a guest failed — and how to allow it — without reading the audit
// log:
//   capsa: denied write to /data/out.txt (host /srv/in/out.txt): the grant for
//     /data is read-only — grant it with --dir /srv/in::/data::rw
//   capsa: denied open of /data/../x (host /srv/in/../x): the path escapes the
//     preopen /data
//   capsa: denied open of /data/secret/k (host /srv/in/secret/k): refused by
//     the policy rule deny[0] /data/secret/*
//   capsa: unsupported WASI call sock_accept (the guest was told ENOSYS)
// (each one line). A cause is (what was tried, the rule or grant involved,
// the kind of refusal): writing twenty files into a read-only grant is one
// cause, shown with its first path. After kMaxLines distinct causes one last
// line says the rest are suppressed, so a hostile guest cannot flood the
// terminal. This reporter is the only place a denial reaches stderr (the
// broker logs it at spdlog debug level only). Protocol violations are not
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
#include "policy/rules.h"

namespace capsa::policy {

class StderrDenialReporter final : public EventSink {
 public:
  static constexpr size_t kMaxLines = 20;

  // `rules` (not owned, may be null) names grants and builds the hints.
  explicit StderrDenialReporter(int fd = 2, const RuleBook* rules = nullptr)
      : fd_(fd), rules_(rules) {}

  // The line (without "capsa: " and newline) and the dedup key for `e`.
  // Pure; exposed for tests.
  std::string Explain(const DenialEvent& e) const;
  std::string CauseKey(const DenialEvent& e) const;

  void OnDenial(const DenialEvent& e) override;
  void OnDerived(const DerivedEvent&) override {}
  void OnUnsupported(const std::string& function) override;
  void OnProtocolViolation(const std::string&) override {}

 private:
  void PrintOnce(const std::string& key, const std::string& line);

  int fd_;
  const RuleBook* rules_;
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
  void OnSandboxViolation(const std::string& what) override;
  void OnEnd(const EndEvent& e) override;

 private:
  std::vector<EventSink*> sinks_;  // not owned; nulls are skipped
};

}  // namespace capsa::policy
