// Test harness: a real RunBroker on a thread of this process, talking to a
// real BrokerClient over socketpair(AF_UNIX, SOCK_SEQPACKET) and a control
// page (caps/control_page.h) as `capsa run` does — so every op but Hello and
// the final report goes through the mailbox — with the
// worker's linear memory simulated by a sealed memfd mapped here, and a temp
// tree:  root/sandbox (preopened), root/outside/secret (must never change).
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "caps/broker.h"
#include "caps/broker_client.h"
#include "caps/control_page.h"
#include "caps/rights.h"
#include "policy/events.h"

#include "caps/errno_map.h"

namespace capsa::wasi {
// gtest prints errnos by name.
inline void PrintTo(Errno e, std::ostream* os) { *os << caps::WasiErrnoName(e); }
}  // namespace capsa::wasi

namespace capsa::caps::testing {

class RecordingSink final : public policy::EventSink {
 public:
  void OnDenial(const policy::DenialEvent& e) override;
  void OnDerived(const policy::DerivedEvent& e) override;
  void OnUnsupported(const std::string& function) override;
  void OnProtocolViolation(const std::string& what) override;

  std::vector<policy::DenialEvent> denials() const;
  std::vector<policy::DerivedEvent> derived() const;
  std::vector<std::string> unsupported() const;
  std::vector<std::string> violations() const;

 private:
  mutable std::mutex mu_;
  std::vector<policy::DenialEvent> denials_;
  std::vector<policy::DerivedEvent> derived_;
  std::vector<std::string> unsupported_;
  std::vector<std::string> violations_;
};

// A fresh directory under $TMPDIR, removed with everything in it.
class TempTree {
 public:
  TempTree();
  ~TempTree();
  const std::string& root() const { return root_; }
  std::string Path(const std::string& rel) const { return root_ + "/" + rel; }
  void WriteFile(const std::string& rel, const std::string& content) const;
  std::string ReadFile(const std::string& rel) const;  // "<missing>" if absent
  bool Exists(const std::string& rel) const;
  // Every entry below root except sandbox/: path -> type, size, mtime, content.
  std::map<std::string, std::string> SnapshotOutsideSandbox() const;

 private:
  std::string root_;
};

struct PreopenSpec {
  std::string host_rel;   // relative to the TempTree root
  std::string guest_path;
  DirRights rights;
  int socket_fd = -1;     // >= 0: a listening socket preopen instead (the broker takes it)
};

class BrokerHarness {
 public:
  static constexpr uint64_t kMemoryBytes = 1 << 20;

  // Preopens default to sandbox/ as "/sandbox", read-write.
  BrokerHarness();
  // A PreopenSpec whose host_rel starts with '/' is an absolute host path.
  explicit BrokerHarness(std::vector<PreopenSpec> preopens,
                         std::vector<std::string> args = {"prog"},
                         std::vector<std::string> env = {},
                         ResolverKind resolver = ResolverKind::kAuto);
  ~BrokerHarness();

  TempTree& tree() { return tree_; }
  RecordingSink& sink() { return sink_; }
  BrokerClient& client() { return *client_; }
  uint8_t* memory() { return memory_; }
  int client_socket() const { return client_fd_; }
  int memfd() const { return memfd_; }
  ControlPage* control_page() const { return control_.page(); }
  int stdout_read_end() const { return stdout_pipe_[0]; }
  int stdin_write_end() const { return stdin_pipe_[1]; }

  // Ends the session with ReportExit(code) and returns the broker's outcome.
  WorkerOutcome Finish(uint32_t code = 0);
  // Closes the client socket and returns the outcome (a crash, as the broker sees it).
  WorkerOutcome Disconnect();

  // Helpers over the client; data goes through the memfd at fixed offsets.
  wasi::Errno Open(wasi::Fd dir, const std::string& path, wasi::OFlags oflags,
                   wasi::Rights base, wasi::Fd* fd,
                   wasi::LookupFlags lookup = wasi::lookupflag::kSymlinkFollow,
                   wasi::FdFlags fdflags = 0);
  wasi::Errno Write(wasi::Fd fd, const std::string& data, wasi::Size* n = nullptr);
  wasi::Errno Read(wasi::Fd fd, size_t max, std::string* out);

  // The access mode (O_RDONLY/O_WRONLY/O_RDWR) of the broker's real fd for
  // host path `host`, found in /proc/self/fd (the broker is this process).
  std::optional<int> BrokerAccessModeOf(const std::string& host) const;

 private:
  void Start(std::vector<PreopenSpec> preopens,
             std::vector<std::string> args, std::vector<std::string> env,
             ResolverKind resolver);

  TempTree tree_;
  RecordingSink sink_;
  int memfd_ = -1;
  int control_fd_ = -1;
  ControlMapping control_;  // the client's (worker's) mapping of the page
  uint8_t* memory_ = nullptr;
  int client_fd_ = -1;
  int broker_fd_ = -1;
  int stdin_pipe_[2] = {-1, -1};
  int stdout_pipe_[2] = {-1, -1};
  std::unique_ptr<BrokerClient> client_;
  std::thread broker_thread_;
  std::optional<WorkerOutcome> outcome_;
};

// Runs RunBroker synchronously on `socket` (the caller has already queued
// the messages to send from the peer end) with an empty config.
WorkerOutcome RunBrokerOn(int socket, RecordingSink* sink);

}  // namespace capsa::caps::testing
