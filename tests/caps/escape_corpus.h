// The escape corpus: a table of path attacks (and of the legitimate paths
// next to them) with the answer each must get, plus the fixture tree they
// run in. escape_corpus_test.cc runs every case through the real broker
// against both resolvers (openat2 and the walk); escape_cli_test.cc runs the
// path_open subset through the real `capsa` binary.
//
// The fixture, below a TempTree root R (R/outside/secret exists already):
//   sandbox/file              "inside\n"
//   sandbox/dir/sub/inner     "inner\n"
//   sandbox/abs_file    -> R/outside/secret     (absolute, out)
//   sandbox/abs_dir     -> R/outside            (absolute, out)
//   sandbox/abs_inside  -> R/sandbox/file       (absolute, even though inside)
//   sandbox/up          -> ../outside
//   sandbox/up_secret   -> ../outside/secret
//   sandbox/dir/deep    -> ../../outside/secret
//   sandbox/dir/back    -> ../file              (climbs, stays inside)
//   sandbox/out_and_back -> ../sandbox/file     (leaves, comes back: refused)
//   sandbox/chain1 -> chain2 -> dir/chain3 -> ../../outside/secret
//   sandbox/good1 -> dir/good2 -> ../file
//   sandbox/loop1 <-> loop2, sandbox/self -> self
//   sandbox/proc_self -> /proc/self, proc_root -> /proc/self/root,
//   sandbox/proc_fd -> /proc/self/fd/0
//   sandbox/dotdot -> .., sandbox/dot -> ., sandbox/dir/sub_up -> ..
//   sandbox/dangling_out -> ../outside/created
//   sandbox/hard              hard link to R/outside/secret, made by the host
//
// Hard links: a hard link *is* the file, there is no "outside" end to see, so
// `hard` is inside the tree and reading it succeeds (kHardLinkIsInside). The
// host made it; the guest cannot make one to an outside file, because
// path_link resolves its source beneath a directory handle like every other
// path (no path_link op exists yet in caps/protocol.h; when it lands its
// source goes through OpenBeneath(O_PATH) + linkat(AT_EMPTY_PATH), which
// cannot name anything the resolver refused).
#pragma once

#include <string>
#include <vector>

#include "engine/wasi/wasi_types.h"
#include "tests/caps/broker_harness.h"

namespace capsa::caps::testing {

enum class CorpusOp : uint8_t {
  kOpenRead,         // path_open, fd_read rights, follow
  kOpenReadNoFollow, // path_open, fd_read rights, no follow
  kOpenDir,          // path_open O_DIRECTORY
  kOpenCreate,       // path_open creat|trunc, fd_write; writes "pwned" on success
  kOpenCreateExcl,   // path_open creat|excl
  kStat,             // path_filestat_get, follow
  kStatNoFollow,
  kMkdir,
  kUnlink,
  kRmdir,
};
const char* CorpusOpName(CorpusOp op);

enum class Outside : uint8_t { kNever, kHardLinkIsInside };

struct CorpusCase {
  std::string path;
  CorpusOp op;
  wasi::Errno error;         // expected answer (kNotcapable means a denial is logged)
  std::string content = {};  // for a successful kOpenRead: the bytes read
  Outside outside = Outside::kNever;
};

// All cases (built in code: a few paths are long or carry NUL bytes).
std::vector<CorpusCase> EscapeCorpus();

// Creates the fixture above inside `tree` (sandbox/ and outside/ exist).
void BuildEscapeFixture(const TempTree& tree);

}  // namespace capsa::caps::testing
