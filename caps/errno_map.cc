#include "caps/errno_map.h"

#include <cerrno>

namespace capsa::caps {

using wasi::Errno;

Errno ErrnoFromHost(int host_errno) {
  switch (host_errno) {
    case 0: return Errno::kSuccess;
    case E2BIG: return Errno::k2big;
    case EACCES: return Errno::kAcces;
    case EADDRINUSE: return Errno::kAddrinuse;
    case EADDRNOTAVAIL: return Errno::kAddrnotavail;
    case EAFNOSUPPORT: return Errno::kAfnosupport;
    case EAGAIN: return Errno::kAgain;  // == EWOULDBLOCK
    case EALREADY: return Errno::kAlready;
    case EBADF: return Errno::kBadf;
    case EBADMSG: return Errno::kBadmsg;
    case EBUSY: return Errno::kBusy;
    case ECANCELED: return Errno::kCanceled;
    case ECHILD: return Errno::kChild;
    case ECONNABORTED: return Errno::kConnaborted;
    case ECONNREFUSED: return Errno::kConnrefused;
    case ECONNRESET: return Errno::kConnreset;
    case EDEADLK: return Errno::kDeadlk;  // == EDEADLOCK
    case EDESTADDRREQ: return Errno::kDestaddrreq;
    case EDOM: return Errno::kDom;
    case EDQUOT: return Errno::kDquot;
    case EEXIST: return Errno::kExist;
    case EFAULT: return Errno::kFault;
    case EFBIG: return Errno::kFbig;
    case EHOSTUNREACH: return Errno::kHostunreach;
    case EIDRM: return Errno::kIdrm;
    case EILSEQ: return Errno::kIlseq;
    case EINPROGRESS: return Errno::kInprogress;
    case EINTR: return Errno::kIntr;
    case EINVAL: return Errno::kInval;
    case EIO: return Errno::kIo;
    case EISCONN: return Errno::kIsconn;
    case EISDIR: return Errno::kIsdir;
    case ELOOP: return Errno::kLoop;
    case EMFILE: return Errno::kMfile;
    case EMLINK: return Errno::kMlink;
    case EMSGSIZE: return Errno::kMsgsize;
    case EMULTIHOP: return Errno::kMultihop;
    case ENAMETOOLONG: return Errno::kNametoolong;
    case ENETDOWN: return Errno::kNetdown;
    case ENETRESET: return Errno::kNetreset;
    case ENETUNREACH: return Errno::kNetunreach;
    case ENFILE: return Errno::kNfile;
    case ENOBUFS: return Errno::kNobufs;
    case ENODEV: return Errno::kNodev;
    case ENOENT: return Errno::kNoent;
    case ENOEXEC: return Errno::kNoexec;
    case ENOLCK: return Errno::kNolck;
    case ENOLINK: return Errno::kNolink;
    case ENOMEM: return Errno::kNomem;
    case ENOMSG: return Errno::kNomsg;
    case ENOPROTOOPT: return Errno::kNoprotoopt;
    case ENOSPC: return Errno::kNospc;
    case ENOSYS: return Errno::kNosys;
    case ENOTCONN: return Errno::kNotconn;
    case ENOTDIR: return Errno::kNotdir;
    case ENOTEMPTY: return Errno::kNotempty;
    case ENOTRECOVERABLE: return Errno::kNotrecoverable;
    case ENOTSOCK: return Errno::kNotsock;
    case ENOTSUP: return Errno::kNotsup;  // == EOPNOTSUPP
    case ENOTTY: return Errno::kNotty;
    case ENXIO: return Errno::kNxio;
    case EOVERFLOW: return Errno::kOverflow;
    case EOWNERDEAD: return Errno::kOwnerdead;
    case EPERM: return Errno::kPerm;
    case EPIPE: return Errno::kPipe;
    case EPROTO: return Errno::kProto;
    case EPROTONOSUPPORT: return Errno::kProtonosupport;
    case EPROTOTYPE: return Errno::kPrototype;
    case ERANGE: return Errno::kRange;
    case EROFS: return Errno::kRofs;
    case ESPIPE: return Errno::kSpipe;
    case ESRCH: return Errno::kSrch;
    case ESTALE: return Errno::kStale;
    case ETIMEDOUT: return Errno::kTimedout;
    case ETXTBSY: return Errno::kTxtbsy;
    case EXDEV: return Errno::kXdev;
    // Linux-only errnos without a WASI twin, mapped to their nearest meaning.
    case ENOTBLK: return Errno::kNotsup;
    case ENOKEY:
    case EKEYREJECTED:
    case EKEYREVOKED:
    case EKEYEXPIRED: return Errno::kAcces;
    case ENOMEDIUM: return Errno::kNodev;
    case ENODATA: return Errno::kNoent;  // missing xattr
    case ETIME: return Errno::kTimedout;
    case EUCLEAN: return Errno::kIo;
    default: return Errno::kIo;
  }
}

const char* WasiErrnoName(Errno e) {
  static constexpr const char* kNames[] = {
      "ESUCCESS", "E2BIG", "EACCES", "EADDRINUSE", "EADDRNOTAVAIL", "EAFNOSUPPORT", "EAGAIN",
      "EALREADY", "EBADF", "EBADMSG", "EBUSY", "ECANCELED", "ECHILD", "ECONNABORTED",
      "ECONNREFUSED", "ECONNRESET", "EDEADLK", "EDESTADDRREQ", "EDOM", "EDQUOT", "EEXIST",
      "EFAULT", "EFBIG", "EHOSTUNREACH", "EIDRM", "EILSEQ", "EINPROGRESS", "EINTR", "EINVAL",
      "EIO", "EISCONN", "EISDIR", "ELOOP", "EMFILE", "EMLINK", "EMSGSIZE", "EMULTIHOP",
      "ENAMETOOLONG", "ENETDOWN", "ENETRESET", "ENETUNREACH", "ENFILE", "ENOBUFS", "ENODEV",
      "ENOENT", "ENOEXEC", "ENOLCK", "ENOLINK", "ENOMEM", "ENOMSG", "ENOPROTOOPT", "ENOSPC",
      "ENOSYS", "ENOTCONN", "ENOTDIR", "ENOTEMPTY", "ENOTRECOVERABLE", "ENOTSOCK", "ENOTSUP",
      "ENOTTY", "ENXIO", "EOVERFLOW", "EOWNERDEAD", "EPERM", "EPIPE", "EPROTO",
      "EPROTONOSUPPORT", "EPROTOTYPE", "ERANGE", "EROFS", "ESPIPE", "ESRCH", "ESTALE",
      "ETIMEDOUT", "ETXTBSY", "EXDEV", "ENOTCAPABLE",
  };
  static_assert(sizeof(kNames) / sizeof(kNames[0]) ==
                static_cast<size_t>(Errno::kNotcapable) + 1);
  const auto index = static_cast<size_t>(e);
  return index < sizeof(kNames) / sizeof(kNames[0]) ? kNames[index] : "E?";
}

}  // namespace capsa::caps
