// `parlab run`: validates everything it can before any work, then measures the experiment
// and writes its report.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <utility>

#include "app/commands.h"
#include "app/config.h"
#include "app/preflight.h"
#include "core/files.h"
#include "core/meminfo.h"
#include "core/collective.h"
#include "core/mpi_util.h"
#include "harness/engine.h"
#include "harness/interrupt.h"
#include "harness/journal.h"
#include "machine/probe.h"
#include "report/console.h"
#include "report/hdf5_report.h"
#include "report/output.h"
#include "report/report_status.h"

namespace parlab {
namespace {

// --shape RxT: only the runs of that shape (one task of a sweep).
void SelectShape(Experiment& experiment, const RunOptions& options) {
  if (options.shape.empty()) return;
  int ranks = 0, threads = 0;
  char extra = 0;
  if (std::sscanf(options.shape.c_str(), "%dx%d%c", &ranks, &threads, &extra) != 2 ||
      ranks < 1 || threads < 1 || ranks > (1 << 20) || threads > MaxThreadsPerRank())
    throw ConfigError(fmt::format("--shape {}: expected RANKSxTHREADS with 1 <= RANKS <= {} and "
                                  "1 <= THREADS <= {}, e.g. 2x1", options.shape, 1 << 20,
                                  MaxThreadsPerRank()));
  std::erase_if(experiment.runs, [&](const RunSpec& spec) {
    return spec.shape.ranks != ranks || spec.shape.threads != threads;
  });
  if (experiment.runs.empty())
    throw ConfigError(options.config + ": no run has the shape " + options.shape);
}

// The runs as one JSON document, for scripts (parlab-sweep): what --dry-run prints.
std::string DryRunJson(const Experiment& experiment, const FinishedRuns& done) {
  nlohmann::json runs = nlohmann::json::array();
  nlohmann::json shapes = nlohmann::json::array();
  for (const RunSpec& spec : experiment.runs) {
    runs.push_back({{"id", spec.id}, {"label", spec.Label()}, {"kernel", spec.kernel},
                    {"model", spec.model}, {"ranks", spec.shape.ranks},
                    {"threads", spec.shape.threads}, {"placement", PlacementName(spec.placement)},
                    {"smt", spec.smt}, {"repetitions", spec.repetitions},
                    {"warmups", spec.warmups}, {"done", done.count(spec.id) > 0}});
    const nlohmann::json shape = {spec.shape.ranks, spec.shape.threads};
    if (std::find(shapes.begin(), shapes.end(), shape) == shapes.end()) shapes.push_back(shape);
  }
  return nlohmann::json{{"experiment", experiment.name}, {"config", experiment.config_path},
                        {"report", experiment.output}, {"ranks_needed", experiment.ranks_needed()},
                        {"shapes", shapes}, {"runs", runs}}.dump(2) + "\n";
}

int DryRun(MPI_Comm world, const Experiment& experiment, const RunOptions& options) {
  const FinishedRuns done = options.resume
                                ? LoadJournal(world, JournalPath(experiment.output), experiment)
                                : FinishedRuns{};
  if (Rank(world) != 0) return 0;
  if (options.json) {
    fmt::print("{}", DryRunJson(experiment, done));
    return 0;
  }
  for (const RunSpec& spec : experiment.runs)
    fmt::print("{} {} {} {}x{} placement={} reps={} warmups={}{}\n", spec.id, spec.Label(),
               spec.model, spec.shape.ranks, spec.shape.threads, spec.PlacementText(),
               spec.repetitions, spec.warmups,
               done.count(spec.id) ? " (done: resumed from the journal)" : "");
  fmt::print("{} runs, needs {} rank(s), report {}\n", experiment.runs.size(),
             experiment.ranks_needed(), experiment.output);
  return 0;
}

void CheckLaunch(MPI_Comm world, int thread_level, const Experiment& experiment,
                 const RunOptions& options) {
  const int needed = experiment.ranks_needed();
  if (needed > Size(world))
    throw ConfigError(fmt::format(
        "{}: needs {} ranks but was launched with {}: run 'mpirun -n {} parlab run {}'",
        options.config, needed, Size(world), needed, options.config));
  // SINGLE when asked for: parlab's teams make no MPI call (the master thread talks), and
  // Open MPI 4.1 drops its locking only there.
  const bool single_chosen = options.requested_thread_level == MPI_THREAD_SINGLE;
  if (thread_level < MPI_THREAD_FUNNELED && !single_chosen)
    throw CollectiveError(fmt::format("the MPI library granted only {}; parlab needs at least "
                                      "MPI_THREAD_FUNNELED", ThreadLevelName(thread_level)));
}

// Refuses a run whose ranks on one node would need more memory than the node has
// available (MemAvailable), naming both figures. Collective.
void CheckMemory(MPI_Comm world, const Experiment& experiment) {
  const std::vector<int> leaders = NodeLeaders(world);
  const int my_node = leaders[static_cast<std::size_t>(Rank(world))];
  const double available = MemAvailableBytes();
  std::string error;
  for (const RunSpec& spec : experiment.runs) {
    const KernelInfo& info = spec.kernel_info();
    if (!info.memory_per_rank || available <= 0) continue;
    // The shape's ranks are world ranks 0..P-1: those on this node.
    const auto here = static_cast<int>(
        std::count(leaders.begin(), leaders.begin() + spec.shape.ranks, my_node));
    const double need = info.memory_per_rank(spec.params, spec.shape.ranks) * here;
    if (need > 0.9 * available) {
      error = fmt::format("{}: {} {} {}x{} needs {:.1f} GiB on {} ({} rank(s) there), which has "
                          "{:.1f} GiB available", experiment.config_path, spec.id, spec.Label(),
                          spec.shape.ranks, spec.shape.threads, need / (1 << 30), Hostname(),
                          here, available / (1 << 30));
      break;
    }
  }
  AgreeOrThrow(world, error);
}

// --resume of a report that is complete (and has no journal left): nothing to measure;
// it is left as it is (a resubmitted sweep or a requeued finished job keeps its results).
bool AlreadyComplete(MPI_Comm world, const Experiment& experiment) {
  std::string said;
  if (Rank(world) == 0 && FileKind(JournalPath(experiment.output)).empty()) {
    const std::optional<ReportStatus> report = ReadReportStatus(experiment.output);
    if (report && report->status == "complete")
      said = fmt::format("parlab: {} is complete already ({} runs{}): nothing to resume; run "
                         "without --resume to measure it again\n", experiment.output, report->runs,
                         report->config_text == experiment.config_text
                             ? ""
                             : ", measured with another version of the config");
  }
  said = BroadcastString(world, said);
  if (Rank(world) == 0 && !said.empty()) fmt::print(stderr, "{}", said);
  return !said.empty();
}

// The exit code, with the line that tells how to finish a partial report.
int Conclude(MPI_Comm world, const Engine& engine, int not_ok, RunJournal& journal,
             const Experiment& experiment, const RunOptions& options) {
  const bool root = Rank(world) == 0;
  if (root) fmt::print("\nreport: {}\n", experiment.output);
  const auto partial = [&](const std::string& why, int code) {
    if (root)
      fmt::print(stderr, "parlab: {}: {} holds the runs completed so far, marked partial; "
                         "continue with 'mpirun -n {} parlab run --resume {} -o {}{}'\n",
                 why, experiment.output, experiment.ranks_needed(), options.config,
                 experiment.output, options.shape.empty() ? "" : " --shape " + options.shape);
    return code;
  };
  if (engine.stop_signal() != 0)
    return partial(std::string("interrupted by ") + SignalName(engine.stop_signal()),
                   kExitInterrupted);
  if (!engine.stopped_by().empty())
    return partial(engine.stopped_by() + " timed out and on_timeout = \"stop\"",
                   kExitStoppedOnTimeout);
  journal.Remove();  // the report is complete
  if (not_ok == 0) return 0;
  if (root) fmt::print(stderr, "parlab: {} run(s) did not verify or failed\n", not_ok);
  return kExitRunsFailed;
}

// The machine's ceilings for /environment/ceilings: from the per-host cache, measured
// (--probe, or no valid cache: the cache is written), or disabled (probe = false).
// Collective. Storage is that of the report's directory when measured now.
ObtainedCeilings RunCeilings(MPI_Comm world, const Experiment& experiment,
                             const RunOptions& options) {
  ObtainedCeilings out;
  if (!experiment.probe) {
    out.disabled_reason = "probe = false in " + experiment.config_path;
    return out;
  }
  const bool root = Rank(world) == 0;
  ProbeOptions probe;
  const std::filesystem::path parent = std::filesystem::path(experiment.output).parent_path();
  probe.storage_dir = parent.empty() ? "." : parent.string();
  probe.keep_cached_storage = true;
  bool said = false;
  if (root && !options.quiet)
    probe.progress = [&said](const std::string&) {
      if (!std::exchange(said, true))
        fmt::print(stderr, "parlab: measuring this machine's ceilings (about 20 s, cached "
                           "for later runs; probe = false skips it)\n");
    };
  out = ObtainCeilings(world, probe, "", options.probe);
  if (root)
    for (const std::string& warning : out.warnings)
      fmt::print(stderr, "parlab: warning: {}\n", warning);
  return out;
}

}  // namespace

int RunCommand(MPI_Comm world, int thread_level, const RunOptions& options,
               const std::string& command_line) {
  Experiment experiment = LoadExperiment(world, options.config, thread_level);
  if (!options.output.empty()) experiment.output = options.output;
  SelectShape(experiment, options);
  if (options.dry_run) return DryRun(world, experiment, options);
  CheckLaunch(world, thread_level, experiment, options);
  CheckMemory(world, experiment);
  Preflight(world, experiment);
  Environment env = CollectEnvironment(world, thread_level);  // before any binding
  CheckPlacements(world, experiment, env.topology);
  PrepareOutputPath(world, experiment.output, experiment.config_path);
  const OutputLock lock(world, experiment.output);
  const std::string journal_path = JournalPath(experiment.output);
  const bool root = Rank(world) == 0;
  if (options.resume && AlreadyComplete(world, experiment)) return 0;
  Recovery recovery;
  if (options.resume) {
    recovery.resumed = LoadJournal(world, journal_path, experiment);
    if (root)
      fmt::print(stderr, "parlab: resuming: {} of {} runs finished earlier ({})\n",
                 recovery.resumed.size(), experiment.runs.size(), journal_path);
  }
  RunJournal journal(world, journal_path, experiment, recovery.resumed);
  recovery.journal = &journal;
  env.ceilings = RunCeilings(world, experiment, options);
  Hdf5Report report(world, experiment.output, command_line);
  ProgressReporter progress(root && !options.quiet);
  WarningReporter warnings(root);
  SummaryTable summary(root, stdout);
  Engine engine(world, experiment, env, {&report, &progress, &warnings, &summary},
                std::move(recovery));
  InstallStopHandlers();
  const int not_ok = engine.Run();
  return Conclude(world, engine, not_ok, journal, experiment, options);
}

}  // namespace parlab
