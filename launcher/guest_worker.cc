#include "launcher/guest_worker.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "caps/broker_client.h"
#include "caps/protocol.h"
#include "launcher/outcome_pipe.h"
#include "engine/wasi/wasi_imports.h"

namespace capsa::launcher {
namespace {

constexpr const char* kEntryPoint = "_start";

int ReportOutcome(caps::BrokerClient& client, const engine::Trap& trap) {
  if (trap.kind == engine::TrapKind::kExit) {
    client.ReportExit(trap.exit_code);
  } else {
    client.ReportTrap(DescribeTrap(trap));
  }
  return kWorkerStatusReported;
}

// The worker's last step once its outcome is reported: the kernel frees the
// whole address space at once, while unwinding the instance, the translated
// module and linear memory first only delayed the end of every run (by about
// 0.45 ms for hello world, measured). Nothing is buffered: the worker has no
// stdio and every report is already acknowledged by the broker.
[[noreturn]] void EndWorker(int status) { _exit(status); }

int Reject(caps::BrokerClient& client, const std::string& why) {
  client.ReportTrap("invalid module: " + why);
  return kWorkerStatusModuleRejected;
}

// Text made safe for one line of the report: control bytes (a newline in a
// guest-chosen name could forge a report line) escaped, length cut to `max`.
std::string OneLine(const std::string& text, size_t max) {
  std::string out;
  for (unsigned char c : text.substr(0, max)) {
    if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > max) out += "...";
  return out;
}

std::string ReportableName(const std::string& name) {
  return OneLine(name, kMaxReportedNameBytes);
}

// The engine ends a cut backtrace with "... N more frames"; returns N, or 0.
uint64_t EngineOmittedFrames(const std::string& frame) {
  static constexpr std::string_view kPrefix = "... ";
  if (frame.rfind(kPrefix, 0) != 0) return 0;
  uint64_t n = 0;
  const char* begin = frame.data() + kPrefix.size();
  auto [end, ec] = std::from_chars(begin, frame.data() + frame.size(), n);
  return ec == std::errc() && std::string_view(end) == " more frames" ? n : 0;
}

}  // namespace

std::string DescribeTrap(const engine::Trap& trap) {
  // The first line stays well inside the protocol limit whatever a host put in it.
  constexpr size_t kMaxMessageBytes = 1024;
  std::string report = OneLine(
      trap.message.empty() ? engine::TrapKindMessage(trap.kind) : trap.message, kMaxMessageBytes);
  if (trap.backtrace.empty()) return report;
  report += " in function " + ReportableName(trap.backtrace.front());
  // Room kept for the "... N more frames" line.
  constexpr size_t kTailRoom = 40;
  // The broker forwards the text to the launcher, whose outcome pipe keeps less.
  const size_t limit = std::min(caps::wire::kMaxTextBytes, kMaxOutcomeMessage) - kTailRoom;
  size_t shown = 0;
  uint64_t omitted = 0;
  for (const std::string& frame : trap.backtrace) {
    if (uint64_t n = EngineOmittedFrames(frame)) {
      omitted += n;
      continue;
    }
    std::string line = "\nat " + ReportableName(frame);
    if (shown == kMaxReportedFrames || report.size() + line.size() > limit) {
      ++omitted;
      continue;
    }
    report += line;
    ++shown;
  }
  if (omitted) report += "\n... " + std::to_string(omitted) + " more frames";
  return report;
}

int RunGuest(const WorkerContext& ctx) {
  caps::BrokerClient client(ctx.socket_fd, ctx.control);
  // Decode, validate and translate before the first round trip: the broker
  // may still be locking itself down.
  // Loop-header fuel checks are compiled in only when a fuel limit is set.
  engine::LoadOptions load_options;
  load_options.fuel_metering = ctx.limits.fuel.has_value();
  auto module = engine::LoadModule(ctx.module, load_options);
  if (!module.ok()) return Reject(client, module.error().message);
  if (!client.Hello().ok()) return kWorkerStatusBrokerLost;

  engine::Linker linker;
  wasi::DefineWasiImports(linker, client);
  engine::InstanceOptions options;
  options.memfd = ctx.memfd;
  if (ctx.limits.max_memory_bytes) options.max_memory_bytes = *ctx.limits.max_memory_bytes;
  options.exec.fuel = ctx.limits.fuel;
  if (ctx.limits.max_call_depth) options.exec.max_call_depth = *ctx.limits.max_call_depth;

  engine::InstantiateOutcome inst = engine::Instantiate(module.value(), linker, options);
  if (inst.error) return Reject(client, inst.error->message);
  if (inst.trap) EndWorker(ReportOutcome(client, *inst.trap));  // the start function trapped or exited

  engine::FunctionInstance* start = inst.instance->FindExportedFunction(kEntryPoint);
  if (start == nullptr) return Reject(client, "no exported function _start");
  if (!start->type.params.empty() || !start->type.results.empty()) {
    return Reject(client, "_start must take no parameters and return no results");
  }
  auto result = engine::Invoke(*start, {});
  if (auto* trap = std::get_if<engine::Trap>(&result)) EndWorker(ReportOutcome(client, *trap));
  client.ReportExit(0);
  EndWorker(kWorkerStatusReported);
}

}  // namespace capsa::launcher
