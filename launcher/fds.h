// The launcher's file descriptors: the module file, the preopened
// directories, the linear-memory memfd, the broker↔worker socket and the
// outcome pipe — everything a run hands to its children. Every fd created
// here is O_CLOEXEC, so none leaks into a program the user's shell starts
// later; the children get theirs by fork, never by exec.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "caps/unique_fd.h"
#include "engine/base/result.h"

namespace capsa::launcher {

using caps::UniqueFd;

// Modules larger than this are refused before any child starts.
inline constexpr uint64_t kMaxModuleBytes = 512ull << 20;

// Reads the whole module file. Errors: "cannot read module PATH: <reason>".
Result<std::vector<uint8_t>> ReadModuleFile(const std::string& path);

// Opens a --dir host directory O_RDONLY|O_DIRECTORY: readable so the broker
// can getdents(2) it for fd_readdir, and usable as the root of
// openat2(RESOLVE_BENEATH) lookups. Never followed by name again afterwards.
// Errors: "cannot open --dir HOST: <reason>".
Result<UniqueFd> OpenPreopenDir(const std::string& host_path);

// The worker's linear memory 0: an empty memfd sealed against shrinking (the
// broker maps it too and must never see a mapping shrink under it) and
// against further seals (so the worker cannot freeze or shrink it later).
Result<UniqueFd> CreateGuestMemfd();

// AF_UNIX SOCK_SEQPACKET pair: [0] for the broker, [1] for the worker.
Result<std::pair<UniqueFd, UniqueFd>> CreateWorkerSocketPair();

// Pipe: [0] read end (launcher), [1] write end (broker).
Result<std::pair<UniqueFd, UniqueFd>> CreatePipe();

// In a freshly forked child: moves `fds[i]` to descriptor number
// `first_target + i` and closes every other descriptor, stdio included.
// Uses only fcntl, dup3 and close_range, no allocation; on failure the
// caller must _exit (the fd table is then in an unknown state).
bool KeepOnlyFds(const int* fds, int count, int first_target);

// The numbers of the fds currently open in this process, from /proc/self/fd.
std::vector<int> ListOpenFds();

}  // namespace capsa::launcher
