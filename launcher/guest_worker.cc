#include "launcher/guest_worker.h"

#include "caps/broker_client.h"
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

int Reject(caps::BrokerClient& client, const std::string& why) {
  client.ReportTrap("invalid module: " + why);
  return kWorkerStatusModuleRejected;
}

}  // namespace

std::string DescribeTrap(const engine::Trap& trap) {
  std::string message =
      trap.message.empty() ? engine::TrapKindMessage(trap.kind) : trap.message;
  if (!trap.backtrace.empty()) message += " in function " + trap.backtrace.front();
  return message;
}

int RunGuest(const WorkerContext& ctx) {
  caps::BrokerClient client(ctx.socket_fd);
  if (!client.Hello().ok()) return kWorkerStatusBrokerLost;
  Result<std::vector<uint8_t>> bytes = client.FetchModule();
  if (!bytes.ok()) return kWorkerStatusBrokerLost;

  auto module = engine::LoadModule(bytes.value());
  if (!module.ok()) return Reject(client, module.error().message);

  engine::Linker linker;
  wasi::DefineWasiImports(linker, client);
  engine::InstanceOptions options;
  options.memfd = ctx.memfd;
  if (ctx.limits.max_memory_bytes) options.max_memory_bytes = *ctx.limits.max_memory_bytes;
  options.exec.fuel = ctx.limits.fuel;

  engine::InstantiateOutcome inst = engine::Instantiate(module.value(), linker, options);
  if (inst.error) return Reject(client, inst.error->message);
  if (inst.trap) return ReportOutcome(client, *inst.trap);  // the start function trapped or exited

  engine::FunctionInstance* start = inst.instance->FindExportedFunction(kEntryPoint);
  if (start == nullptr) return Reject(client, "no exported function _start");
  if (!start->type.params.empty() || !start->type.results.empty()) {
    return Reject(client, "_start must take no parameters and return no results");
  }
  auto result = engine::Invoke(*start, {});
  if (auto* trap = std::get_if<engine::Trap>(&result)) return ReportOutcome(client, *trap);
  client.ReportExit(0);
  return kWorkerStatusReported;
}

}  // namespace capsa::launcher
