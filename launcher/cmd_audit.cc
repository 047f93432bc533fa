// capsa audit: what a module imports, the capabilities a run would hand it,
// and the grants it cannot use.
//
// "Write-capable" (documented in capsa(1)): an import through which a guest
// can change a granted directory tree —
//   path_create_directory, path_remove_directory, path_unlink_file,
//   path_rename, path_link, path_symlink, path_filestat_set_times, and
//   path_open (O_CREAT/O_TRUNC create and truncate files, and a handle opened
//   with write rights is written by fd_write/fd_pwrite/fd_allocate/
//   fd_filestat_set_size/fd_filestat_set_times).
// An rw grant (or a rights list holding write rights) is an over-grant when
// the module imports none of them; any directory grant is an over-grant when
// the module imports no path_* function at all (it can only read the
// preopen's name). Static and conservative: an import is not a call.
//
// This decodes the module in the launcher, outside the sandbox: only the
// decoder runs (no validation, compilation or execution), and `capsa run`
// never does this — there the worker parses the module after lockdown.
#include <cstdio>
#include <set>

#include "engine/decoder.h"
#include "engine/wasi/wasi_types.h"
#include "launcher/cmd_tools.h"
#include "launcher/exit_codes.h"
#include "launcher/fds.h"
#include "policy/rules.h"
#include "policy/wasi_rights.h"

namespace capsa::launcher {
namespace {

// policy/ spells the WASI rights bits itself; they must agree.
static_assert(policy::rights::kFdWrite == wasi::right::kFdWrite);
static_assert(policy::rights::kPathOpen == wasi::right::kPathOpen);
static_assert(policy::rights::kPathUnlinkFile == wasi::right::kPathUnlinkFile);
static_assert(policy::rights::kAll == wasi::right::kAll);

constexpr const char* kWasiModule = "wasi_snapshot_preview1";

const std::set<std::string>& PreviewOneFunctions() {
  static const std::set<std::string> kNames = {
      "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get",
      "clock_time_get", "fd_advise", "fd_allocate", "fd_close", "fd_datasync",
      "fd_fdstat_get", "fd_fdstat_set_flags", "fd_fdstat_set_rights", "fd_filestat_get",
      "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread", "fd_prestat_get",
      "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir", "fd_renumber", "fd_seek",
      "fd_sync", "fd_tell", "fd_write", "path_create_directory", "path_filestat_get",
      "path_filestat_set_times", "path_link", "path_open", "path_readlink",
      "path_remove_directory", "path_rename", "path_symlink", "path_unlink_file",
      "poll_oneoff", "proc_exit", "proc_raise", "sched_yield", "random_get", "sock_accept",
      "sock_recv", "sock_send", "sock_shutdown"};
  return kNames;
}

const std::set<std::string>& WriteCapable() {
  static const std::set<std::string> kNames = {
      "path_create_directory", "path_remove_directory", "path_unlink_file", "path_rename",
      "path_link", "path_symlink", "path_filestat_set_times", "path_open"};
  return kNames;
}

const char* KindName(engine::ExternKind k) {
  switch (k) {
    case engine::ExternKind::kFunction: return "function";
    case engine::ExternKind::kTable: return "table";
    case engine::ExternKind::kMemory: return "memory";
    case engine::ExternKind::kGlobal: return "global";
  }
  return "?";
}

}  // namespace

int Audit(const std::vector<std::string>& flags, const std::string& module) {
  std::vector<std::string> argv = {"capsa", "run"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back(module);
  CliOutcome parsed = ParseCommandLine(argv);
  if (parsed.action != CliOutcome::Action::kRun) {
    std::fprintf(stderr, "capsa: %s\n",
                 parsed.text.empty() ? "audit takes [--policy FILE] [run flags] MODULE"
                                     : parsed.text.c_str());
    return kExitUsage;
  }
  const policy::Policy& p = parsed.request.policy;
  Result<std::vector<uint8_t>> bytes = ReadModuleFile(module);
  if (!bytes.ok()) {
    std::fprintf(stderr, "capsa: %s\n", bytes.error().message.c_str());
    return kExitUsage;
  }
  Result<engine::Module> decoded = engine::DecodeModule(bytes.value());
  if (!decoded.ok()) {
    std::fprintf(stderr, "capsa: invalid module: %s\n", decoded.error().message.c_str());
    return kExitModuleRejected;
  }
  std::set<std::string> wasi;
  std::vector<std::string> refused;
  std::printf("module %s\n\nimports:\n", module.c_str());
  for (const engine::Import& im : decoded.value().imports) {
    const bool is_wasi = im.module == kWasiModule && im.kind == engine::ExternKind::kFunction &&
                         PreviewOneFunctions().count(im.name) != 0;
    std::string note;
    if (!is_wasi) {
      note = "  REFUSED: capsa provides only wasi_snapshot_preview1 functions";
      refused.push_back("\"" + im.module + "\".\"" + im.name + "\" (" + KindName(im.kind) + ")");
    } else {
      wasi.insert(im.name);
      if (WriteCapable().count(im.name)) note = "  write-capable";
    }
    std::printf("  %s.%s (%s)%s\n", im.module.c_str(), im.name.c_str(), KindName(im.kind),
                note.c_str());
  }
  if (decoded.value().imports.empty()) std::printf("  (none)\n");

  std::printf("\ncapabilities it would receive:\n");
  std::printf("  fd 0 stdin (%s), fd 1 stdout (%s), fd 2 stderr (%s)\n",
              policy::StdioModeName(p.stdio.in), policy::StdioModeName(p.stdio.out),
              policy::StdioModeName(p.stdio.err));
  for (size_t i = 0; i < p.dirs.size(); ++i) {
    std::printf("  fd %zu %s -> host %s  [%s]\n", i + 3, p.dirs[i].guest_path.c_str(),
                p.dirs[i].host_path.c_str(), policy::GrantRuleLabel(i, p.dirs[i]).c_str());
  }
  for (size_t i = 0; i < p.denies.size(); ++i) {
    std::printf("  except %s\n", policy::DenyRuleLabel(i, p.denies[i]).c_str());
  }
  for (const std::string& kv : p.env) std::printf("  env %s\n", kv.c_str());
  for (const std::string& name : p.env_pass) std::printf("  env %s (from capsa's environment)\n", name.c_str());
  std::printf("  args:");
  for (const std::string& a : p.args) std::printf(" %s", a.c_str());
  std::printf("\n");

  std::printf("\nover-grants:\n");
  bool imports_path = false;
  bool imports_write = false;
  for (const std::string& f : wasi) {
    if (f.rfind("path_", 0) == 0) imports_path = true;
    if (WriteCapable().count(f)) imports_write = true;
  }
  size_t over = 0;
  for (size_t i = 0; i < p.dirs.size(); ++i) {
    const policy::DirGrant& d = p.dirs[i];
    const std::string label = policy::GrantRuleLabel(i, d);
    const bool grants_write =
        d.mode == policy::DirMode::kReadWrite ||
        (d.mode == policy::DirMode::kRights && (d.rights & policy::rights::kWriteRights) != 0);
    if (!imports_path) {
      std::printf("  %s: the module imports no path_* function, so it cannot open, list or "
                  "change anything beneath it — drop the grant\n", label.c_str());
      ++over;
    } else if (grants_write && !imports_write) {
      std::printf("  %s: write access, but the module imports no write-capable function "
                  "(path_open, path_create_directory, path_unlink_file, path_rename, ...) — "
                  "grant it read-only\n", label.c_str());
      ++over;
    }
  }
  if (over == 0) std::printf("  (none found)\n");
  if (!refused.empty()) {
    std::fprintf(stderr, "capsa: the module imports what capsa does not provide:");
    for (const std::string& r : refused) std::fprintf(stderr, " %s", r.c_str());
    std::fprintf(stderr, " — capsa run will refuse it\n");
    return kExitModuleRejected;
  }
  return 0;
}

}  // namespace capsa::launcher
