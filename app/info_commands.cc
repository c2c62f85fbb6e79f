#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "app/commands.h"
#include "app/config.h"
#include "app/preflight.h"
#include "app/primitives.h"
#include "core/files.h"
#include "core/collective.h"
#include "core/mpi_util.h"
#include "harness/environment.h"
#include "report/report_status.h"

namespace parlab {

// Rank 0 reads the file and every rank parses the same text, so all agree on every error.
Experiment LoadExperiment(MPI_Comm world, const std::string& path, int thread_level) {
  std::string text, error;
  if (Rank(world) == 0) {
    try {
      text = ReadConfigFile(path);
    } catch (const ConfigError& e) {
      error = e.what();
    }
  }
  error = BroadcastString(world, error);
  if (!error.empty()) throw ConfigError(error);
  text = BroadcastString(world, text);
  // What a rank may run can differ (OMP_THREAD_LIMIT, thread level): every rank parses, and
  // the lowest rank's error is every rank's, so none goes on alone.
  Experiment experiment;
  try {
    experiment = ParseExperiment(text, path, thread_level);
  } catch (const ConfigError& e) {
    error = e.what();
  }
  if (const std::string first = FirstMessage(world, error); !first.empty()) throw ConfigError(first);
  return experiment;
}

std::string ParamDoc(const ParamSpec& p) {
  const char* types[] = {"int", "number", "string", "bool"};
  std::string doc = fmt::format("{} ({}, default {}): {}", p.name, types[static_cast<int>(p.type)],
                                FormatParamValue(p.default_value), p.doc);
  return doc;
}

int ListCommand() {
  fmt::print("Kernels (size, then parameters; any value may be an array to sweep):\n");
  for (const KernelInfo& k : KernelTable()) {
    fmt::print("  {:<11} {}\n", k.name, k.doc);
    fmt::print("  {:<11}   size: {}\n", "", k.size_doc);
    for (const ParamSpec& p : k.params) fmt::print("  {:<11}   {}\n", "", ParamDoc(p));
  }
  fmt::print("\nExecution models (shapes from each [[run]]'s ranks x threads):\n");
  for (const ExecutionModel* m : ModelTable())
    fmt::print("  {:<11} {}\n  {:<11}   shapes: {}\n", m->name(), m->doc(), "", m->shape_rule());
  fmt::print("\nModel options in [[run]]: gil_interval_ms (number, default 5): the gil model's "
             "switch interval\n");
  return 0;
}

int InfoCommand(MPI_Comm world, int thread_level) {
  const Environment env = CollectEnvironment(world, thread_level);
  if (Rank(world) != 0) return 0;
  for (const auto& [key, value] : env.fields) fmt::print("{:<22} {}\n", key, value);
  for (std::size_t r = 0; r < env.hostnames.size(); ++r)
    fmt::print("rank {:<17} host {} cpus {}\n", r, env.hostnames[r], env.rank_cpus[r]);
  return 0;
}

int ValidateCommand(MPI_Comm world, int thread_level, const std::vector<std::string>& paths) {
  int bad = 0;
  for (const std::string& path : paths) {
    try {
      const Experiment experiment = LoadExperiment(world, path, thread_level);
      Preflight(world, experiment);
      if (Rank(world) == 0)
        fmt::print("{}: valid: {} runs, needs {} rank(s): mpirun -n {} parlab run {}\n", path,
                   experiment.runs.size(), experiment.ranks_needed(), experiment.ranks_needed(),
                   path);
    } catch (const ConfigError& e) {
      ++bad;
      if (Rank(world) == 0) fmt::print(stderr, "parlab: error: {}\n", e.what());
    }
  }
  return bad == 0 ? 0 : kExitBadInput;
}

namespace {

int StatusCode(const ReportStatus& report) {
  if (report.status == "complete") return report.runs_not_ok > 0 ? kExitRunsFailed : 0;
  if (report.status.find("timed out") != std::string::npos) return kExitStoppedOnTimeout;
  return kExitInterrupted;  // interrupted, or killed before it was finished: resume it
}

}  // namespace

int StatusCommand(MPI_Comm world, const std::vector<std::string>& reports) {
  if (Rank(world) != 0) return 0;
  int code = 0;
  for (const std::string& path : reports) {
    const std::optional<ReportStatus> report = ReadReportStatus(path);
    if (!report) {
      fmt::print(stderr, "parlab: error: {}: not a readable parlab report ({})\n", path,
                 FileKind(path).empty() ? "no such file" : FileKind(path));
      code = std::max(code, kExitBadInput);
      continue;
    }
    fmt::print("{}: {}; {} runs, {} not ok\n", path, report->status, report->runs, report->runs_not_ok);
    code = std::max(code, StatusCode(*report));
  }
  return code;
}

int PrimitivesCommand(MPI_Comm world, const std::string& output) {
  const std::string kind = Rank(world) == 0 && !output.empty() ? CheckReplaceable(output) : "";
  if (const std::string agreed = BroadcastString(world, kind); !agreed.empty())
    throw ConfigError(fmt::format("--output {}: is {}, not a file parlab may replace", output, agreed));
  const nlohmann::json figures = MeasurePrimitives(world);
  if (Rank(world) != 0) return 0;
  fmt::print("{}", FormatPrimitives(figures));
  if (output.empty()) return 0;
  if (const std::string error = WriteFileAtomically(output, figures.dump(2) + "\n"); !error.empty())
    throw ConfigError("--output " + error);
  return 0;
}

}  // namespace parlab
