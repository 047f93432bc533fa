// The second resolver: a component-by-component walk beneath a directory fd,
// for kernels without openat2 (Linux < 5.6), held against the same escape
// corpus as the openat2 resolver (tests/caps/escape_corpus_test.cc).
//
// How it stays beneath the root without the kernel's help:
//   - the path is split into components; an absolute path never gets here
//     (CheckGuestPath refuses it first);
//   - every intermediate component is opened with openat(parent, name,
//     O_PATH|O_NOFOLLOW|O_DIRECTORY) relative to an fd the walk already holds,
//     so a lookup never traverses more than one name and never follows a
//     symlink in the kernel;
//   - the walk keeps the stack of directory fds it opened; ".." pops that
//     stack and is never handed to the kernel, so a directory renamed out of
//     the tree mid-walk cannot lead ".." outside, and ".." at the root is an
//     escape (refused, even when a later component would come back inside);
//   - a symlink is read with readlinkat(link_fd, "") on the O_PATH fd of the
//     link the walk itself opened (no second lookup by name, so no swap
//     between "is it a link" and "what does it say"), and its target is
//     spliced in front of the remaining components; absolute targets are
//     refused as escapes; 40 links at most (ELOOP), as Linux;
//   - any symlink that lives on procfs is refused as a magic link (stricter
//     than openat2's RESOLVE_NO_MAGICLINKS, which lets /proc/self through:
//     only a preopen inside /proc could notice the difference);
//   - the last component is opened with the caller's flags plus O_NOFOLLOW;
//     when it turns out to be a symlink and following is wanted (no
//     O_NOFOLLOW from the caller, or a trailing slash), the link is spliced
//     as above. A link that changes into a non-link between the two opens is
//     retried a bounded number of times, then EAGAIN.
//
// Limits that differ from the kernel: at most kMaxWalkDepth directory fds
// are held at once (deeper paths answer ENAMETOOLONG).
//
// Errno and refusal classes are the openat2 resolver's (caps/path_resolver.h).
#pragma once

#include <sys/types.h>

#include <string_view>

#include "caps/path_resolver.h"
#include "caps/unique_fd.h"

namespace capsa::caps {

inline constexpr int kMaxSymlinkFollows = 40;
inline constexpr size_t kMaxWalkDepth = 512;

// Same contract as OpenBeneath's openat2 branch: `path` has passed
// CheckGuestPath; `open_flags` carries O_NOFOLLOW when the last component
// must not be followed. O_CLOEXEC is added. Not async-signal-safe (allocates).
PathStatus WalkOpenBeneath(int dir_fd, std::string_view path, int open_flags, mode_t mode,
                           UniqueFd* out);

}  // namespace capsa::caps
