#include "tests/caps/escape_corpus.h"

#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

namespace capsa::caps::testing {
namespace {

using wasi::Errno;

void Symlink(const std::string& target, const std::string& link) {
  if (symlink(target.c_str(), link.c_str()) != 0) throw std::runtime_error("symlink " + link);
}

std::string Repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

const char* CorpusOpName(CorpusOp op) {
  switch (op) {
    case CorpusOp::kOpenRead: return "open_read";
    case CorpusOp::kOpenReadNoFollow: return "open_read_nofollow";
    case CorpusOp::kOpenDir: return "open_dir";
    case CorpusOp::kOpenCreate: return "open_create";
    case CorpusOp::kOpenCreateExcl: return "open_create_excl";
    case CorpusOp::kStat: return "stat";
    case CorpusOp::kStatNoFollow: return "stat_nofollow";
    case CorpusOp::kMkdir: return "mkdir";
    case CorpusOp::kUnlink: return "unlink";
    case CorpusOp::kRmdir: return "rmdir";
  }
  return "?";
}

void BuildEscapeFixture(const TempTree& t) {
  t.WriteFile("sandbox/file", "inside\n");
  if (mkdir(t.Path("sandbox/dir").c_str(), 0755) != 0 ||
      mkdir(t.Path("sandbox/dir/sub").c_str(), 0755) != 0) {
    throw std::runtime_error("mkdir");
  }
  t.WriteFile("sandbox/dir/sub/inner", "inner\n");
  Symlink(t.Path("outside/secret"), t.Path("sandbox/abs_file"));
  Symlink(t.Path("outside"), t.Path("sandbox/abs_dir"));
  Symlink(t.Path("sandbox/file"), t.Path("sandbox/abs_inside"));
  Symlink("../outside", t.Path("sandbox/up"));
  Symlink("../outside/secret", t.Path("sandbox/up_secret"));
  Symlink("../../outside/secret", t.Path("sandbox/dir/deep"));
  Symlink("../file", t.Path("sandbox/dir/back"));
  Symlink("../sandbox/file", t.Path("sandbox/out_and_back"));
  Symlink("chain2", t.Path("sandbox/chain1"));
  Symlink("dir/chain3", t.Path("sandbox/chain2"));
  Symlink("../../outside/secret", t.Path("sandbox/dir/chain3"));
  Symlink("dir/good2", t.Path("sandbox/good1"));
  Symlink("../file", t.Path("sandbox/dir/good2"));
  Symlink("loop2", t.Path("sandbox/loop1"));
  Symlink("loop1", t.Path("sandbox/loop2"));
  Symlink("self", t.Path("sandbox/self"));
  Symlink("/proc/self", t.Path("sandbox/proc_self"));
  Symlink("/proc/self/root", t.Path("sandbox/proc_root"));
  Symlink("/proc/self/fd/0", t.Path("sandbox/proc_fd"));
  Symlink("..", t.Path("sandbox/dotdot"));
  Symlink(".", t.Path("sandbox/dot"));
  Symlink("..", t.Path("sandbox/dir/sub_up"));
  Symlink("../outside/created", t.Path("sandbox/dangling_out"));
  if (link(t.Path("outside/secret").c_str(), t.Path("sandbox/hard").c_str()) != 0) {
    throw std::runtime_error("link");
  }
}

std::vector<CorpusCase> EscapeCorpus() {
  constexpr Errno kDenied = Errno::kNotcapable;
  using enum CorpusOp;
  std::vector<CorpusCase> c = {
      // ".." chains
      {"..", kOpenDir, kDenied},
      {"../outside/secret", kOpenRead, kDenied},
      {"../../../../../../../../etc/passwd", kOpenRead, kDenied},
      {"dir/../../outside/secret", kOpenRead, kDenied},
      {"dir/sub/../../../outside/secret", kOpenRead, kDenied},
      {"dir/../dir/../..", kOpenDir, kDenied},
      {"../sandbox/file", kOpenRead, kDenied},  // leaves, comes back: still refused
      {"dir/sub/../../file", kOpenRead, Errno::kSuccess, "inside\n"},
      {"missing/../file", kOpenRead, Errno::kNoent},
      {"file/../file", kOpenRead, Errno::kNotdir},
      {"../outside/x", kOpenCreate, kDenied},
      {"../outside", kMkdir, kDenied},
      {"../outside/new_dir", kMkdir, kDenied},
      {"../outside/secret", kUnlink, kDenied},
      {"../outside", kRmdir, kDenied},
      {"dir/../..", kRmdir, kDenied},
      {"../outside/secret", kStat, kDenied},
      {"../outside/secret", kStatNoFollow, kDenied},
      // absolute paths
      {"/etc/passwd", kOpenRead, kDenied},
      {"/", kOpenDir, kDenied},
      {"//outside", kOpenDir, kDenied},
      {"/tmp/x", kOpenCreate, kDenied},
      {"/tmp", kStat, kDenied},
      // symlinks out, absolute and relative
      {"abs_file", kOpenRead, kDenied},
      {"abs_file", kStat, kDenied},
      {"abs_file", kStatNoFollow, Errno::kSuccess},  // the link itself is inside
      {"abs_file", kOpenReadNoFollow, Errno::kLoop},
      {"abs_dir/secret", kOpenRead, kDenied},
      {"abs_dir/new", kOpenCreate, kDenied},
      {"abs_dir/new_dir", kMkdir, kDenied},
      {"abs_dir/secret", kUnlink, kDenied},
      {"abs_inside", kOpenRead, kDenied},  // absolute targets are refused even inside
      {"up/secret", kOpenRead, kDenied},
      {"up/", kOpenDir, kDenied},
      {"up", kOpenDir, kDenied},
      {"up/new", kOpenCreate, kDenied},
      {"up/secret", kUnlink, kDenied},
      {"up_secret", kOpenRead, kDenied},
      {"dir/deep", kOpenRead, kDenied},
      {"dir/deep", kStat, kDenied},
      {"dotdot/outside/secret", kOpenRead, kDenied},
      {"dotdot", kOpenDir, kDenied},
      {"dangling_out", kOpenCreate, kDenied},
      {"dangling_out", kOpenCreateExcl, Errno::kExist},  // O_EXCL never follows
      // out and back again, chains
      {"out_and_back", kOpenRead, kDenied},
      {"chain1", kOpenRead, kDenied},
      {"chain1", kOpenCreate, kDenied},
      {"good1", kOpenRead, Errno::kSuccess, "inside\n"},
      {"dir/back", kOpenRead, Errno::kSuccess, "inside\n"},
      {"dir/sub_up/file", kOpenRead, Errno::kSuccess, "inside\n"},
      {"dir/sub_up/dotdot", kOpenDir, kDenied},  // dir/.. then ..
      {"dot/dot/dot/file", kOpenRead, Errno::kSuccess, "inside\n"},
      // loops
      {"loop1", kOpenRead, Errno::kLoop},
      {"loop2", kStat, Errno::kLoop},
      {"self/x", kOpenCreate, Errno::kLoop},
      {"loop1/x", kOpenRead, Errno::kLoop},
      // /proc magic links reached through a symlink inside the tree
      {"proc_self/root/etc/passwd", kOpenRead, kDenied},
      {"proc_self/fd/0", kOpenRead, kDenied},
      {"proc_root/etc/passwd", kOpenRead, kDenied},
      {"proc_fd", kOpenRead, kDenied},
      {"proc_fd", kStat, kDenied},
      // hard link made by the host: the same inode, inside by definition
      {"hard", kOpenRead, Errno::kSuccess, "top secret\n", Outside::kHardLinkIsInside},
      // trailing slashes
      {"file/", kOpenRead, Errno::kNotdir},
      {"dir/", kOpenDir, Errno::kSuccess},
      {"dir//", kOpenDir, Errno::kSuccess},
      {"good1/", kOpenRead, Errno::kNotdir},
      {"abs_dir/", kOpenDir, kDenied},
      {"dot/", kOpenDir, Errno::kSuccess},
      {"../", kOpenDir, kDenied},
      // empty and dot components
      {"dir//sub///inner", kOpenRead, Errno::kSuccess, "inner\n"},
      {"./dir/./sub/./inner", kOpenRead, Errno::kSuccess, "inner\n"},
      {".", kOpenDir, Errno::kSuccess},
      {"", kOpenRead, Errno::kNoent},
      {"", kStat, Errno::kNoent},
      // NUL bytes: invalid, never truncated into a shorter path
      {std::string("file\0../../outside/secret", 25), kOpenRead, Errno::kInval},
      {std::string("up\0", 3), kOpenDir, Errno::kInval},
      {std::string("\0", 1), kOpenCreate, Errno::kInval},
      // very long paths
      {Repeat("./", 2000) + "file", kOpenRead, Errno::kSuccess, "inside\n"},
      {Repeat("dir/sub/../../", 290) + "file", kOpenRead, Errno::kSuccess, "inside\n"},
      {Repeat("../", 1365), kOpenDir, kDenied},
      {Repeat("dir/", 1000) + "x", kOpenRead, Errno::kNoent},
      {std::string(4097, 'a'), kOpenRead, Errno::kNametoolong},
      {std::string(256, 'a'), kOpenCreate, Errno::kNametoolong},
      {Repeat("x/", 2049), kOpenRead, Errno::kNametoolong},
  };
  return c;
}

}  // namespace capsa::caps::testing
