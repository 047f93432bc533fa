#include "launcher/seccomp_filter.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

namespace capsa::launcher {

void SeccompFilterDeleter::operator()(void* ctx) const { seccomp_release(ctx); }

Error SeccompError(const std::string& who, const std::string& what, int rc) {
  return MakeError(ErrorCode::kInternal, who + " seccomp: " + what + ": " + strerrordesc_np(-rc));
}

Result<std::string> ExportFilterPfc(void* ctx) {
  const int fd = memfd_create("capsa-seccomp-pfc", MFD_CLOEXEC);
  if (fd < 0) return MakeError(ErrorCode::kIo, "memfd_create for the filter export failed");
  const int rc = seccomp_export_pfc(ctx, fd);
  std::string text;
  if (rc == 0) {
    char buf[4096];
    ssize_t n;
    lseek(fd, 0, SEEK_SET);
    while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  if (rc != 0) {
    return MakeError(ErrorCode::kInternal,
                     std::string("seccomp: exporting the filter: ") + strerrordesc_np(-rc));
  }
  return text;
}

}  // namespace capsa::launcher
