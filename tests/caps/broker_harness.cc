#include "tests/caps/broker_harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace capsa::caps::testing {

namespace fs = std::filesystem;

void RecordingSink::OnDenial(const policy::DenialEvent& e) {
  std::lock_guard lock(mu_);
  denials_.push_back(e);
}
void RecordingSink::OnDerived(const policy::DerivedEvent& e) {
  std::lock_guard lock(mu_);
  derived_.push_back(e);
}
void RecordingSink::OnUnsupported(const std::string& function) {
  std::lock_guard lock(mu_);
  unsupported_.push_back(function);
}
void RecordingSink::OnProtocolViolation(const std::string& what) {
  std::lock_guard lock(mu_);
  violations_.push_back(what);
}
std::vector<policy::DenialEvent> RecordingSink::denials() const {
  std::lock_guard lock(mu_);
  return denials_;
}
std::vector<policy::DerivedEvent> RecordingSink::derived() const {
  std::lock_guard lock(mu_);
  return derived_;
}
std::vector<std::string> RecordingSink::unsupported() const {
  std::lock_guard lock(mu_);
  return unsupported_;
}
std::vector<std::string> RecordingSink::violations() const {
  std::lock_guard lock(mu_);
  return violations_;
}

TempTree::TempTree() {
  std::string tmpl = (fs::temp_directory_path() / "capsa-caps-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  root_ = tmpl;
  fs::create_directory(Path("sandbox"));
  fs::create_directory(Path("outside"));
  WriteFile("outside/secret", "top secret\n");
}

TempTree::~TempTree() {
  std::error_code ec;
  fs::remove_all(root_, ec);
}

void TempTree::WriteFile(const std::string& rel, const std::string& content) const {
  std::ofstream(Path(rel), std::ios::binary) << content;
}

std::string TempTree::ReadFile(const std::string& rel) const {
  std::ifstream in(Path(rel), std::ios::binary);
  if (!in) return "<missing>";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool TempTree::Exists(const std::string& rel) const {
  struct stat st;
  return lstat(Path(rel).c_str(), &st) == 0;
}

std::map<std::string, std::string> TempTree::SnapshotOutsideSandbox() const {
  std::map<std::string, std::string> snap;
  for (auto it = fs::recursive_directory_iterator(root_); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string rel = fs::relative(it->path(), root_).string();
    if (rel == "sandbox") {
      it.disable_recursion_pending();
      continue;
    }
    struct stat st;
    lstat(it->path().c_str(), &st);
    std::string desc = std::to_string(st.st_mode) + ":" + std::to_string(st.st_size) + ":" +
                       std::to_string(st.st_mtim.tv_sec) + "." +
                       std::to_string(st.st_mtim.tv_nsec);
    if (S_ISREG(st.st_mode)) desc += ":" + ReadFile(rel);
    snap[rel] = desc;
  }
  return snap;
}

BrokerHarness::BrokerHarness()
    : BrokerHarness({PreopenSpec{"sandbox", "/sandbox", DirRights::ReadWrite()}}) {}

BrokerHarness::BrokerHarness(std::vector<PreopenSpec> preopens, std::vector<std::string> args,
                             std::vector<std::string> env, ResolverKind resolver) {
  Start(std::move(preopens), std::move(args), std::move(env), resolver);
}

void BrokerHarness::Start(std::vector<PreopenSpec> preopens,
                          std::vector<std::string> args, std::vector<std::string> env,
                          ResolverKind resolver) {
  memfd_ = memfd_create("capsa-test-memory", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (memfd_ < 0 || ftruncate(memfd_, kMemoryBytes) != 0 ||
      fcntl(memfd_, F_ADD_SEALS, F_SEAL_SHRINK) != 0) {
    throw std::runtime_error("memfd setup failed");
  }
  // Reserve 4 GiB like the worker, so the memory can grow in place.
  void* base = mmap(nullptr, 4ull << 30, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                    -1, 0);
  memory_ = static_cast<uint8_t*>(mmap(base, kMemoryBytes, PROT_READ | PROT_WRITE,
                                       MAP_SHARED | MAP_FIXED, memfd_, 0));
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0 ||
      pipe2(stdin_pipe_, O_CLOEXEC) != 0 || pipe2(stdout_pipe_, O_CLOEXEC) != 0) {
    throw std::runtime_error("socketpair/pipe failed");
  }
  client_fd_ = sv[0];
  broker_fd_ = sv[1];
  Result<UniqueFd> control_fd = CreateControlMemfd();
  if (!control_fd.ok()) throw std::runtime_error(control_fd.error().message);
  control_fd_ = control_fd.value().Release();
  Result<ControlMapping> mapped = ControlMapping::Map(control_fd_);
  if (!mapped.ok()) throw std::runtime_error(mapped.error().message);
  control_ = std::move(mapped).value();

  BrokerConfig config;
  config.socket_fd = broker_fd_;
  config.memfd = memfd_;
  config.control_fd = control_fd_;
  config.stdin_fd = stdin_pipe_[0];
  config.stdout_fd = stdout_pipe_[1];
  config.stderr_fd = stdout_pipe_[1];
  for (const PreopenSpec& p : preopens) {
    if (p.socket_fd >= 0) {
      config.preopens.push_back(Preopen::Socket(p.socket_fd, "tcp:" + p.host_rel));
      continue;
    }
    const std::string host = p.host_rel.starts_with('/') ? p.host_rel : tree_.Path(p.host_rel);
    const int fd = open(host.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    config.preopens.push_back(Preopen::Directory(fd, p.guest_path, host, p.rights));
  }
  config.args = std::move(args);
  config.env = std::move(env);
  config.events = &sink_;
  config.resolver = resolver;
  client_ = std::make_unique<BrokerClient>(client_fd_, control_.page());
  broker_thread_ = std::thread([this, config = std::move(config)]() mutable {
    outcome_ = RunBroker(std::move(config));
  });
}

BrokerHarness::~BrokerHarness() {
  if (broker_thread_.joinable()) Disconnect();
  for (int fd : {client_fd_, broker_fd_, memfd_, control_fd_, stdin_pipe_[0], stdin_pipe_[1],
                 stdout_pipe_[0], stdout_pipe_[1]}) {
    if (fd >= 0) close(fd);
  }
  if (memory_ != nullptr) munmap(memory_, 4ull << 30);
}

WorkerOutcome BrokerHarness::Finish(uint32_t code) {
  client_->ReportExit(code);
  broker_thread_.join();
  return *outcome_;
}

WorkerOutcome BrokerHarness::Disconnect() {
  shutdown(client_fd_, SHUT_RDWR);
  broker_thread_.join();
  return *outcome_;
}

wasi::Errno BrokerHarness::Open(wasi::Fd dir, const std::string& path, wasi::OFlags oflags,
                                wasi::Rights base, wasi::Fd* fd, wasi::LookupFlags lookup,
                                wasi::FdFlags fdflags) {
  return client_->PathOpen(dir, lookup, path, oflags, base, wasi::right::kAll, fdflags, fd);
}

wasi::Errno BrokerHarness::Write(wasi::Fd fd, const std::string& data, wasi::Size* n) {
  constexpr uint32_t kAt = 0x1000;
  std::memcpy(memory_ + kAt, data.data(), data.size());
  const wasi::IoVec iov{kAt, static_cast<uint32_t>(data.size())};
  wasi::Size written = 0;
  const wasi::Errno e = client_->FdWrite(fd, {&iov, 1}, &written);
  if (n != nullptr) *n = written;
  return e;
}

wasi::Errno BrokerHarness::Read(wasi::Fd fd, size_t max, std::string* out) {
  constexpr uint32_t kAt = 0x40000;
  // Two iovecs, to exercise scatter reads.
  const uint32_t half = static_cast<uint32_t>(max / 2);
  const wasi::IoVec iovs[2] = {{kAt, half}, {kAt + half, static_cast<uint32_t>(max - half)}};
  wasi::Size n = 0;
  const wasi::Errno e = client_->FdRead(fd, iovs, &n);
  if (e == wasi::Errno::kSuccess) out->assign(reinterpret_cast<char*>(memory_ + kAt), n);
  return e;
}

std::optional<int> BrokerHarness::BrokerAccessModeOf(const std::string& host) const {
  DIR* d = opendir("/proc/self/fd");
  std::optional<int> mode;
  while (dirent* e = readdir(d)) {
    const std::string link = std::string("/proc/self/fd/") + e->d_name;
    char target[4096];
    const ssize_t n = readlink(link.c_str(), target, sizeof(target));
    if (n <= 0 || std::string(target, n) != host) continue;
    const int flags = fcntl(atoi(e->d_name), F_GETFL);
    if (flags >= 0) mode = flags & O_ACCMODE;
  }
  closedir(d);
  return mode;
}

WorkerOutcome RunBrokerOn(int socket, RecordingSink* sink) {
  BrokerConfig config;
  config.socket_fd = socket;
  config.stdin_fd = config.stdout_fd = config.stderr_fd = -1;
  config.events = sink;
  return RunBroker(std::move(config));
}

}  // namespace capsa::caps::testing
