#include "launcher/seccomp_filter.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace capsa::launcher {
namespace {

// libseccomp 2.5.4, src/system.c sys_filter_load: the flags are TSYNC
// (CTL_TSYNC, plus TSYNC_ESRCH where the kernel has it), NEW_LISTENER (a
// SCMP_ACT_NOTIFY rule), LOG (CTL_LOG) and SPEC_ALLOW (CTL_SSB). Neither
// filter uses any of them (CheckLoadAttributes; neither has a notify rule),
// so seccomp_load passed 0.
constexpr unsigned kLoadFlags = 0;

// Runs `export_fn` into a memfd and returns what it wrote.
Result<std::string> ExportThroughMemfd(void* ctx, int (*export_fn)(const scmp_filter_ctx, int)) {
  const int fd = memfd_create("capsa-seccomp-export", MFD_CLOEXEC);
  if (fd < 0) return MakeError(ErrorCode::kIo, "memfd_create for the filter export failed");
  const int rc = export_fn(ctx, fd);
  std::string bytes;
  if (rc == 0) {
    char buf[4096];
    ssize_t n;
    lseek(fd, 0, SEEK_SET);
    while ((n = read(fd, buf, sizeof buf)) > 0) bytes.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  if (rc != 0) {
    return MakeError(ErrorCode::kInternal,
                     std::string("seccomp: exporting the filter: ") + strerrordesc_np(-rc));
  }
  return bytes;
}

}  // namespace

void SeccompFilterDeleter::operator()(void* ctx) const { seccomp_release(ctx); }

Error SeccompError(const std::string& who, const std::string& what, int rc) {
  return MakeError(ErrorCode::kInternal, who + " seccomp: " + what + ": " + strerrordesc_np(-rc));
}

Result<std::string> ExportFilterPfc(void* ctx) { return ExportThroughMemfd(ctx, seccomp_export_pfc); }

Result<std::vector<sock_filter>> ExportFilterBpf(void* ctx) {
  TRY_ASSIGN(std::string bytes, ExportThroughMemfd(ctx, seccomp_export_bpf));
  if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0) {
    return MakeError(ErrorCode::kInternal, "seccomp: the exported BPF is not whole instructions");
  }
  std::vector<sock_filter> program(bytes.size() / sizeof(sock_filter));
  memcpy(program.data(), bytes.data(), bytes.size());
  return program;
}

Result<void> CheckLoadAttributes(void* ctx) {
  struct Expected {
    scmp_filter_attr attr;
    uint32_t value;
    const char* name;
  };
  for (const Expected& e : {Expected{SCMP_FLTATR_CTL_NNP, 1, "CTL_NNP"},
                            Expected{SCMP_FLTATR_CTL_TSYNC, 0, "CTL_TSYNC"},
                            Expected{SCMP_FLTATR_CTL_LOG, 0, "CTL_LOG"},
                            Expected{SCMP_FLTATR_CTL_SSB, 0, "CTL_SSB"}}) {
    uint32_t value = 0;
    const int rc = seccomp_attr_get(ctx, e.attr, &value);
    if (rc != 0) {
      return MakeError(ErrorCode::kInternal,
                       std::string("seccomp: reading ") + e.name + ": " + strerrordesc_np(-rc));
    }
    if (value != e.value) {
      return MakeError(ErrorCode::kInternal,
                       std::string("seccomp: the filter sets ") + e.name + " to " +
                           std::to_string(value) + "; the precompiled loader reproduces only " +
                           std::to_string(e.value));
    }
  }
  return {};
}

Result<void> LoadFilterProgram(const char* who, std::span<const sock_filter> program) {
  if (program.empty() || program.size() > BPF_MAXINSNS) {
    return SeccompError(who, "loading the filter", -EINVAL);
  }
  const sock_fprog prog{static_cast<unsigned short>(program.size()),
                        const_cast<sock_filter*>(program.data())};
  // CTL_NNP: seccomp_load sets no_new_privs itself before loading. Both
  // callers have set it already; setting it again keeps this loader
  // independent of that (an unprivileged load fails with EACCES without it).
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, kLoadFlags, &prog) != 0) {
    return SeccompError(who, "loading the filter", -errno);
  }
  return {};
}

}  // namespace capsa::launcher
