// An in-process WasiHost for tests of the guest-side WASI layer: guest fds
// map to real host fds owned by the FakeHost, IoVec ranges are resolved
// against the LinearMemory it is given. A test double, not a sandbox: paths
// are opened with openat beneath the preopen's fd without any escape checks
// beyond refusing absolute paths and "..". Not thread-safe.
#pragma once

#include <sys/uio.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime.h"
#include "engine/wasi/wasi_host.h"

namespace capsa::wasi_test {

class FakeHost final : public wasi::WasiHost {
 public:
  FakeHost(std::vector<std::string> args, std::vector<std::string> environ);
  ~FakeHost() override;
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  // The memory IoVecs refer to (the instance's memory 0); not owned.
  void set_memory(engine::LinearMemory* memory) { memory_ = memory; }

  // Takes ownership of `host_fd` and returns the guest fd naming it (the
  // lowest free number).
  wasi::Fd AddFd(int host_fd,
                 wasi::FileType type,
                 wasi::Rights base = wasi::right::kAll,
                 wasi::Rights inheriting = wasi::right::kAll);
  // A preopened directory, visible to the guest as `guest_path`.
  wasi::Fd AddPreopen(int dir_fd, std::string guest_path);

  // The host fd behind a guest fd, or -1.
  int HostFd(wasi::Fd fd) const;
  // Names passed to Unsupported(), in call order.
  const std::vector<std::string>& unsupported_calls() const { return unsupported_; }
  // How many calls reached the host at all (to prove a bad pointer stopped a call early).
  int host_calls() const { return host_calls_; }

  const std::vector<std::string>& Args() override { return args_; }
  const std::vector<std::string>& Environ() override { return environ_; }

  wasi::Errno FdWrite(wasi::Fd fd, std::span<const wasi::IoVec> iovs, wasi::Size* n) override;
  wasi::Errno FdRead(wasi::Fd fd, std::span<const wasi::IoVec> iovs, wasi::Size* n) override;
  wasi::Errno FdPwrite(wasi::Fd fd,
                       std::span<const wasi::IoVec> iovs,
                       wasi::FileSize offset,
                       wasi::Size* n) override;
  wasi::Errno FdPread(wasi::Fd fd,
                      std::span<const wasi::IoVec> iovs,
                      wasi::FileSize offset,
                      wasi::Size* n) override;
  wasi::Errno FdClose(wasi::Fd fd) override;
  wasi::Errno FdSeek(wasi::Fd fd,
                     wasi::FileDelta offset,
                     wasi::Whence whence,
                     wasi::FileSize* new_offset) override;
  wasi::Errno FdTell(wasi::Fd fd, wasi::FileSize* offset) override;
  wasi::Errno FdFdstatGet(wasi::Fd fd, wasi::FdStat* stat) override;
  wasi::Errno FdFdstatSetFlags(wasi::Fd fd, wasi::FdFlags flags) override;
  wasi::Errno FdPrestatGet(wasi::Fd fd, wasi::Prestat* prestat) override;
  wasi::Errno FdPrestatDirName(wasi::Fd fd, std::string* name) override;
  wasi::Errno FdFilestatGet(wasi::Fd fd, wasi::FileStat* stat) override;
  wasi::Errno FdSync(wasi::Fd fd) override;
  wasi::Errno FdDatasync(wasi::Fd fd) override;
  wasi::Errno FdReaddir(wasi::Fd fd,
                        wasi::DirCookie cookie,
                        wasi::IoVec buf,
                        wasi::Size* bufused) override;

  wasi::Errno PathOpen(wasi::Fd dir_fd,
                       wasi::LookupFlags dirflags,
                       std::string_view path,
                       wasi::OFlags oflags,
                       wasi::Rights rights_base,
                       wasi::Rights rights_inheriting,
                       wasi::FdFlags fdflags,
                       wasi::Fd* opened) override;
  wasi::Errno PathFilestatGet(wasi::Fd dir_fd,
                              wasi::LookupFlags flags,
                              std::string_view path,
                              wasi::FileStat* stat) override;
  wasi::Errno PathCreateDirectory(wasi::Fd dir_fd, std::string_view path) override;
  wasi::Errno PathRemoveDirectory(wasi::Fd dir_fd, std::string_view path) override;
  wasi::Errno PathUnlinkFile(wasi::Fd dir_fd, std::string_view path) override;

  wasi::Errno ClockResGet(wasi::ClockId id, wasi::Timestamp* resolution) override;
  wasi::Errno ClockTimeGet(wasi::ClockId id,
                           wasi::Timestamp precision,
                           wasi::Timestamp* time) override;
  wasi::Errno RandomGet(wasi::IoVec buffer) override;
  wasi::Errno SchedYield() override;
  wasi::Errno PollOneoff(std::span<const wasi::Subscription> subscriptions,
                         std::vector<wasi::Event>* events) override;
  wasi::Errno Unsupported(std::string_view function) override;

 private:
  struct Entry {
    int host_fd = -1;
    wasi::FileType type = wasi::FileType::kUnknown;
    wasi::Rights base = 0;
    wasi::Rights inheriting = 0;
    std::string preopen;  // guest path of a preopened directory, else empty
  };

  Entry* Find(wasi::Fd fd);
  // Resolves guest ranges to host iovecs (the WASI layer already checked
  // them; a FakeHost re-checks like the broker does).
  bool Resolve(std::span<const wasi::IoVec> iovs, std::vector<iovec>* out) const;
  // Opens-relative path check: refuses absolute paths and any ".." component.
  static bool Confined(std::string_view path);

  std::vector<std::string> args_;
  std::vector<std::string> environ_;
  engine::LinearMemory* memory_ = nullptr;
  std::map<wasi::Fd, Entry> fds_;
  std::vector<std::string> unsupported_;
  int host_calls_ = 0;
};

// Everything in `fd` from offset 0 (a memfd or regular file), for checking
// what a guest wrote to its stdout/stderr stand-ins.
std::string ReadAll(int fd);

// Maps a host errno value to the WASI errno (unknown values become EIO).
wasi::Errno ErrnoFromHost(int host_errno);

}  // namespace capsa::wasi_test
