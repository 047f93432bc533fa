// capsa: thin main. Parses the command line and hands the run to the
// launcher library (launcher/run.h); exit statuses: launcher/exit_codes.h.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "launcher/cli.h"
#include "launcher/doctor.h"
#include "launcher/exit_codes.h"
#include "launcher/run.h"

int main(int argc, char** argv) {
  using capsa::launcher::CliOutcome;
  const CliOutcome cli = capsa::launcher::ParseCommandLine(std::vector<std::string>(argv, argv + argc));
  switch (cli.action) {
    case CliOutcome::Action::kPrint:
      std::fputs(cli.text.c_str(), stdout);
      return 0;
    case CliOutcome::Action::kError:
      std::fprintf(stderr, "capsa: %s\n", cli.text.c_str());
      return capsa::launcher::kExitUsage;
    case CliOutcome::Action::kDoctor:
      std::fputs(capsa::launcher::FormatDoctor(capsa::launcher::ProbeHost()).c_str(), stdout);
      return 0;
    case CliOutcome::Action::kTool:
      return cli.tool();
    case CliOutcome::Action::kRun:
      break;
  }
  if (cli.request.explain) {
    const std::string text =
        capsa::launcher::FormatExplain(cli.request, capsa::launcher::ProbeHost());
    std::fputs(text.c_str(), stderr);
  }
  // Nothing buffered may be duplicated into the children by fork.
  std::fflush(nullptr);
  return capsa::launcher::Run(cli.request, capsa::launcher::ProductionHooks());
}
