// DefineWasiImports and the process-level imports: args, environ, clocks,
// randomness, poll_oneoff, sched_yield, proc_exit/proc_raise and sockets.
#include "engine/wasi/wasi_imports.h"

#include <limits>
#include <optional>
#include <utility>

#include "engine/wasi/wasi_imports_internal.h"

namespace capsa::wasi {
namespace internal {

Errno ReadIoVecs(const GuestMemory& memory,
                 uint32_t offset,
                 uint32_t count,
                 std::vector<IoVec>* iovs) {
  if (count > kMaxIoVecs)
    return Errno::kInval;
  auto array = memory.Array(offset, count, kIoVecSize);
  if (!array)
    return Errno::kFault;
  iovs->clear();
  iovs->reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    // Each iovec is read exactly once; later checks use this copy.
    const IoVec iov{GetU32(array->data() + i * kIoVecSize),
                    GetU32(array->data() + i * kIoVecSize + 4)};
    if (!memory.InBounds(iov.offset, iov.length))
      return Errno::kFault;
    iovs->push_back(iov);
  }
  return Errno::kSuccess;
}

Errno ReadPath(const GuestMemory& memory, uint32_t offset, uint32_t length, std::string* path) {
  if (length > kMaxPathLength)
    return Errno::kNametoolong;
  auto copy = memory.CopyString(offset, length);
  if (!copy)
    return Errno::kFault;
  if (copy->find('\0') != std::string::npos)
    return Errno::kInval;
  *path = std::move(*copy);
  return Errno::kSuccess;
}

bool StoreFileStat(const GuestMemory& memory, uint32_t offset, const FileStat& stat) {
  uint8_t b[kFileStatSize] = {};
  PutU64(b + 0, stat.dev);
  PutU64(b + 8, stat.ino);
  PutU8(b + 16, static_cast<uint8_t>(stat.filetype));
  PutU64(b + 24, stat.nlink);
  PutU64(b + 32, stat.size);
  PutU64(b + 40, stat.atim);
  PutU64(b + 48, stat.mtim);
  PutU64(b + 56, stat.ctim);
  return memory.Store(offset, b, sizeof b);
}

namespace {

bool ValidClock(uint32_t id) {
  return id <= static_cast<uint32_t>(ClockId::kThreadCputime);
}

// args_sizes_get / environ_sizes_get: count and total bytes incl. NULs.
Errno StringsSizesGet(const std::vector<std::string>& strings,
                      const GuestMemory& memory,
                      uint32_t count_ptr,
                      uint32_t size_ptr) {
  if (!memory.InBounds(count_ptr, 4) || !memory.InBounds(size_ptr, 4))
    return Errno::kFault;
  uint64_t total = 0;
  for (const std::string& s : strings)
    total += s.size() + 1;
  if (total > std::numeric_limits<uint32_t>::max())
    return Errno::kOverflow;
  memory.StoreU32(count_ptr, static_cast<uint32_t>(strings.size()));
  memory.StoreU32(size_ptr, static_cast<uint32_t>(total));
  return Errno::kSuccess;
}

// args_get / environ_get: `ptrs` receives one u32 pointer per string, `buf`
// the strings back to back, each NUL-terminated.
Errno StringsGet(const std::vector<std::string>& strings,
                 const GuestMemory& memory,
                 uint32_t ptrs,
                 uint32_t buf) {
  uint64_t total = 0;
  for (const std::string& s : strings)
    total += s.size() + 1;
  auto ptr_array = memory.Slice(ptrs, uint64_t{strings.size()} * 4);
  auto bytes = memory.Slice(buf, total);
  if (!ptr_array || !bytes)
    return Errno::kFault;
  uint64_t at = 0;
  for (size_t i = 0; i < strings.size(); ++i) {
    PutU32(ptr_array->data() + i * 4, static_cast<uint32_t>(buf + at));
    std::memcpy(bytes->data() + at, strings[i].data(), strings[i].size());
    at += strings[i].size();
    (*bytes)[at++] = 0;
  }
  return Errno::kSuccess;
}

Errno ArgsSizesGet(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  return StringsSizesGet(host.Args(), m, a.U32(0), a.U32(1));
}
Errno ArgsGet(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  return StringsGet(host.Args(), m, a.U32(0), a.U32(1));
}
Errno EnvironSizesGet(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  return StringsSizesGet(host.Environ(), m, a.U32(0), a.U32(1));
}
Errno EnvironGet(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  return StringsGet(host.Environ(), m, a.U32(0), a.U32(1));
}

Errno ClockResGet(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  if (!ValidClock(a.U32(0)))
    return Errno::kInval;
  if (!m.InBounds(a.U32(1), 8))
    return Errno::kFault;
  Timestamp resolution = 0;
  const Errno e = host.ClockResGet(static_cast<ClockId>(a.U32(0)), &resolution);
  if (Ok(e))
    m.StoreU64(a.U32(1), resolution);
  return e;
}

Errno ClockTimeGet(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  if (!ValidClock(a.U32(0)))
    return Errno::kInval;
  if (!m.InBounds(a.U32(2), 8))
    return Errno::kFault;
  Timestamp time = 0;
  const Errno e = host.ClockTimeGet(static_cast<ClockId>(a.U32(0)), a.U64(1), &time);
  if (Ok(e))
    m.StoreU64(a.U32(2), time);
  return e;
}

Errno RandomGet(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  if (!m.InBounds(a.U32(0), a.U32(1)))
    return Errno::kFault;
  return host.RandomGet(IoVec{a.U32(0), a.U32(1)});
}

Errno SchedYield(WasiHost& host, const GuestMemory&, const ImportArgs&) {
  return host.SchedYield();
}

// Decodes one 48-byte subscription; EINVAL for an unknown tag, clock or flag.
Errno ReadSubscription(const uint8_t* p, Subscription* sub) {
  sub->userdata = GetU64(p);
  const uint8_t tag = p[8];
  if (tag > static_cast<uint8_t>(EventType::kFdWrite))
    return Errno::kInval;
  sub->type = static_cast<EventType>(tag);
  if (sub->type == EventType::kClock) {
    const uint32_t id = GetU32(p + 16);
    if (!ValidClock(id))
      return Errno::kInval;
    sub->clock_id = static_cast<ClockId>(id);
    sub->timeout = GetU64(p + 24);
    sub->precision = GetU64(p + 32);
    sub->flags = GetU16(p + 40);
    if ((sub->flags & ~subclockflag::kAbstime) != 0)
      return Errno::kInval;
  } else {
    sub->fd = GetU32(p + 16);
  }
  return Errno::kSuccess;
}

Errno PollOneoff(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  const uint32_t count = a.U32(2);
  if (count == 0)
    return Errno::kInval;  // would block forever
  auto in = m.Array(a.U32(0), count, kSubscriptionSize);
  auto out = m.Array(a.U32(1), count, kEventSize);
  if (!in || !out || !m.InBounds(a.U32(3), 4))
    return Errno::kFault;
  std::vector<Subscription> subs(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (Errno e = ReadSubscription(in->data() + i * kSubscriptionSize, &subs[i]); !Ok(e))
      return e;
  }
  std::vector<Event> events;
  const Errno e = host.PollOneoff(subs, &events);
  if (!Ok(e))
    return e;
  if (events.size() > count)
    return Errno::kIo;  // a host bug; never overrun the guest array
  for (size_t i = 0; i < events.size(); ++i) {
    uint8_t* p = out->data() + i * kEventSize;
    std::memset(p, 0, kEventSize);
    PutU64(p, events[i].userdata);
    PutU16(p + 8, static_cast<uint16_t>(events[i].error));
    PutU8(p + 10, static_cast<uint8_t>(events[i].type));
    PutU64(p + 16, events[i].nbytes);
    PutU16(p + 24, events[i].flags);
  }
  m.StoreU32(a.U32(3), static_cast<uint32_t>(events.size()));
  return Errno::kSuccess;
}

// sock_accept(fd, flags: fdflags, ret fd*)
Errno SockAccept(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  const uint32_t ret = a.U32(2);
  if (!m.InBounds(ret, 4)) return Errno::kFault;
  if (a.U32(1) > 0xffff) return Errno::kInval;
  Fd accepted = 0;
  const Errno e = host.SockAccept(a.U32(0), static_cast<FdFlags>(a.U32(1)), &accepted);
  if (Ok(e)) m.StoreU32(ret, accepted);
  return e;
}
// sock_recv(fd, ri_data iovec*, ri_data_len, ri_flags, ret ro_datalen*, ret ro_flags*):
// the iovecs are read as for fd_read.
Errno SockRecv(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  std::vector<IoVec> iovs;
  if (Errno e = ReadIoVecs(m, a.U32(1), a.U32(2), &iovs); !Ok(e)) return e;
  const uint32_t ret_len = a.U32(4), ret_flags = a.U32(5);
  if (!m.InBounds(ret_len, 4) || !m.InBounds(ret_flags, 2)) return Errno::kFault;
  if (a.U32(3) > 0xffff) return Errno::kInval;
  Size n = 0;
  uint16_t ro_flags = 0;
  const Errno e = host.SockRecv(a.U32(0), iovs, static_cast<uint16_t>(a.U32(3)), &n, &ro_flags);
  if (Ok(e)) {
    m.StoreU32(ret_len, n);
    m.Store(ret_flags, &ro_flags, sizeof ro_flags);
  }
  return e;
}
// sock_send(fd, si_data ciovec*, si_data_len, si_flags, ret so_datalen*)
Errno SockSend(WasiHost& host, const GuestMemory& m, const ImportArgs& a) {
  std::vector<IoVec> iovs;
  if (Errno e = ReadIoVecs(m, a.U32(1), a.U32(2), &iovs); !Ok(e)) return e;
  const uint32_t ret = a.U32(4);
  if (!m.InBounds(ret, 4)) return Errno::kFault;
  if (a.U32(3) > 0xffff) return Errno::kInval;
  Size n = 0;
  const Errno e = host.SockSend(a.U32(0), iovs, static_cast<uint16_t>(a.U32(3)), &n);
  if (Ok(e)) m.StoreU32(ret, n);
  return e;
}
// sock_shutdown(fd, how: sdflags)
Errno SockShutdown(WasiHost& host, const GuestMemory&, const ImportArgs& a) {
  if (a.U32(1) > 0xff) return Errno::kInval;
  return host.SockShutdown(a.U32(0), static_cast<uint8_t>(a.U32(1)));
}

constexpr ImportSpec kProcImports[] = {
    {"args_get", "ii", ArgsGet},          {"args_sizes_get", "ii", ArgsSizesGet},
    {"environ_get", "ii", EnvironGet},    {"environ_sizes_get", "ii", EnvironSizesGet},
    {"clock_res_get", "ii", ClockResGet}, {"clock_time_get", "iIi", ClockTimeGet},
    {"random_get", "ii", RandomGet},      {"poll_oneoff", "iiii", PollOneoff},
    {"sched_yield", "", SchedYield},
    {"sock_accept", "iii", SockAccept},   {"sock_recv", "iiiiii", SockRecv},
    {"sock_send", "iiiii", SockSend},     {"sock_shutdown", "ii", SockShutdown},
};

}  // namespace

std::span<const ImportSpec> ProcImports() {
  return kProcImports;
}

}  // namespace internal

namespace {

engine::FuncType MakeType(const char* params) {
  engine::FuncType type;
  for (const char* p = params; *p != '\0'; ++p) {
    type.params.push_back(*p == 'I' ? engine::ValType::kI64 : engine::ValType::kI32);
  }
  type.results.push_back(engine::ValType::kI32);
  return type;
}

void DefineTable(engine::Linker& linker,
                 WasiHost& host,
                 std::span<const internal::ImportSpec> table) {
  for (const internal::ImportSpec& spec : table) {
    linker.DefineHostFunction(
        kModuleName, spec.name, MakeType(spec.params),
        [&host, fn = spec.fn](engine::CallContext& ctx, std::span<const engine::Value> args,
                              std::span<engine::Value> results) -> std::optional<engine::Trap> {
          const GuestMemory memory(ctx.memory);
          const Errno e = fn(host, memory, internal::ImportArgs(args));
          results[0] = engine::I32(static_cast<uint32_t>(e));
          return std::nullopt;
        });
  }
}

}  // namespace

void DefineWasiImports(engine::Linker& linker, WasiHost& host) {
  DefineTable(linker, host, internal::ProcImports());
  DefineTable(linker, host, internal::FdImports());
  DefineTable(linker, host, internal::PathImports());

  engine::FuncType exit_type;
  exit_type.params.push_back(engine::ValType::kI32);
  linker.DefineHostFunction(kModuleName, "proc_exit", std::move(exit_type),
                            [](engine::CallContext&, std::span<const engine::Value> args,
                               std::span<engine::Value>) -> std::optional<engine::Trap> {
                              engine::Trap trap;
                              trap.kind = engine::TrapKind::kExit;
                              trap.exit_code = args[0].i32;
                              trap.message = "proc_exit(" + std::to_string(trap.exit_code) + ")";
                              return trap;
                            });

  // proc_raise ends the run as a trap (as wasmtime): there are no signal
  // handlers in a wasm32-wasi guest to deliver a signal to.
  engine::FuncType raise_type;
  raise_type.params.push_back(engine::ValType::kI32);
  raise_type.results.push_back(engine::ValType::kI32);
  linker.DefineHostFunction(kModuleName, "proc_raise", std::move(raise_type),
                            [](engine::CallContext&, std::span<const engine::Value> args,
                               std::span<engine::Value>) -> std::optional<engine::Trap> {
                              engine::Trap trap;
                              trap.kind = engine::TrapKind::kHostError;
                              trap.message = "proc_raise(" + std::to_string(args[0].i32) + ")";
                              return trap;
                            });
}

}  // namespace capsa::wasi
