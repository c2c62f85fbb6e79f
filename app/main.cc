// parlab: run, validate and describe parallel-execution experiments.
#include <fmt/format.h>
#include <mpi.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "app/config.h"
#include "harness/engine.h"
#include "harness/environment.h"
#include "harness/interrupt.h"
#include "harness/journal.h"
#include "models/model.h"
#include "core/mpi_util.h"
#include "app/primitives.h"
#include "app/probe_command.h"
#include "report/console.h"
#include "report/hdf5_report.h"
#include "harness/watchdog.h"

namespace parlab {
namespace {

constexpr int kExitRunsFailed = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitInterrupted = 4;
constexpr int kExitStoppedOnTimeout = 5;

std::string CommandLine(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) line += (i ? " " : "") + std::string(argv[i]);
  return line;
}

// Rank 0 reads the file and every rank parses the same text, so all agree on every error.
Experiment LoadExperiment(MPI_Comm world, const std::string& path) {
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
  return ParseExperiment(BroadcastString(world, text), path);
}

std::string ParamDoc(const ParamSpec& p) {
  const char* types[] = {"int", "number", "string", "bool"};
  std::string doc = fmt::format("{} ({}, default {}): {}", p.name, types[static_cast<int>(p.type)],
                                FormatParamValue(p.default_value), p.doc);
  return doc;
}

int List() {
  fmt::print("Kernels (size, then parameters; any value may be an array to sweep):\n");
  for (const KernelInfo& k : KernelTable()) {
    fmt::print("  {:<11} {}\n", k.name, k.doc);
    fmt::print("  {:<11}   size: {}\n", "", k.size_doc);
    for (const ParamSpec& p : k.params) fmt::print("  {:<11}   {}\n", "", ParamDoc(p));
  }
  fmt::print("\nExecution models (shapes from each [[run]]'s ranks x threads):\n");
  for (const auto& m : ModelTable())
    fmt::print("  {:<11} {}\n  {:<11}   shapes: {}\n", m->name(), m->doc(), "", m->shape_rule());
  fmt::print("\nModel options in [[run]]: gil_interval_ms (number, default 5): the gil model's "
             "switch interval\n");
  return 0;
}

int Info(MPI_Comm world, int thread_level) {
  const Environment env = CollectEnvironment(world, thread_level);
  if (Rank(world) != 0) return 0;
  for (const auto& [key, value] : env.fields) fmt::print("{:<22} {}\n", key, value);
  for (std::size_t r = 0; r < env.hostnames.size(); ++r)
    fmt::print("rank {:<17} host {} cpus {}\n", r, env.hostnames[r], env.rank_cpus[r]);
  return 0;
}

// One line per file: valid (with the ranks it needs) or the error. Exit 2 if any is bad.
int Validate(MPI_Comm world, const std::vector<std::string>& paths) {
  int bad = 0;
  for (const std::string& path : paths) {
    try {
      const Experiment experiment = LoadExperiment(world, path);
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

// Refuses, before any work, a run whose ranks on one node would need more memory than the
// node has available (MemAvailable), naming both figures. Collective.
void CheckMemory(MPI_Comm world, const Experiment& experiment) {
  const std::vector<int> leaders = NodeLeaders(world);
  const int my_node = leaders[static_cast<std::size_t>(Rank(world))];
  double available = 0;
  {
    std::ifstream in("/proc/meminfo");
    for (std::string key; in >> key;) {
      double kilobytes = 0;
      in >> kilobytes;
      if (key == "MemAvailable:") available = kilobytes * 1024;
      in.ignore(256, '\n');
    }
  }
  std::string error;
  for (const RunSpec& spec : experiment.runs) {
    const KernelInfo* info = FindKernel(spec.kernel);
    if (!info->memory_per_rank || available <= 0) continue;
    // The shape's ranks are world ranks 0..P-1: those on this node.
    const auto here = static_cast<int>(std::count(
        leaders.begin(), leaders.begin() + spec.shape.ranks, my_node));
    const double need = info->memory_per_rank(spec.params, spec.shape.ranks) * here;
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

struct RunOptions {
  std::string config;
  std::string output;
  std::string shape;  // "RxT": only the runs of this shape (one task of a sweep)
  bool quiet = false;
  bool dry_run = false;
  bool resume = false;  // continue from the journal of an earlier attempt
};

int RunExperiment(MPI_Comm world, int thread_level, const RunOptions& options,
                  const std::string& command_line) {
  Experiment experiment = LoadExperiment(world, options.config);
  if (!options.output.empty()) experiment.output = options.output;
  if (!options.shape.empty()) {
    int ranks = 0, threads = 0;
    char extra = 0;
    if (std::sscanf(options.shape.c_str(), "%dx%d%c", &ranks, &threads, &extra) != 2 ||
        ranks < 1 || threads < 1)
      throw ConfigError("--shape " + options.shape + ": expected RANKSxTHREADS, e.g. 2x1");
    std::erase_if(experiment.runs, [&](const RunSpec& spec) {
      return spec.shape.ranks != ranks || spec.shape.threads != threads;
    });
    if (experiment.runs.empty())
      throw ConfigError(options.config + ": no run has the shape " + options.shape);
  }
  const bool root = Rank(world) == 0;
  const std::string journal_path = JournalPath(experiment.output);
  if (options.dry_run) {
    const auto done = options.resume ? LoadJournal(world, journal_path, experiment)
                                     : std::map<std::string, std::string>{};
    if (root) {
      for (const RunSpec& spec : experiment.runs)
        fmt::print("{} {} {} {}x{} reps={} warmups={}{}\n", spec.id, spec.Label(), spec.model,
                   spec.shape.ranks, spec.shape.threads, spec.repetitions, spec.warmups,
                   done.count(spec.id) ? " (done: resumed from the journal)" : "");
      fmt::print("{} runs, needs {} rank(s), report {}\n", experiment.runs.size(),
                 experiment.ranks_needed(), experiment.output);
    }
    return 0;
  }
  const int needed = experiment.ranks_needed();
  if (needed > Size(world))
    throw ConfigError(fmt::format(
        "{}: needs {} ranks but was launched with {}: run 'mpirun -n {} parlab run {}'",
        options.config, needed, Size(world), needed, options.config));
  if (thread_level < MPI_THREAD_FUNNELED)
    throw CollectiveError(fmt::format("the MPI library granted only {}; parlab needs at least "
                                      "MPI_THREAD_FUNNELED", ThreadLevelName(thread_level)));
  CheckMemory(world, experiment);
  PrepareOutputPath(world, experiment.output);
  const OutputLock lock(world, experiment.output);
  Recovery recovery;
  if (options.resume) {
    recovery.resumed = LoadJournal(world, journal_path, experiment);
    if (root)
      fmt::print(stderr, "parlab: resuming: {} of {} runs finished earlier ({})\n",
                 recovery.resumed.size(), experiment.runs.size(), journal_path);
  }
  RunJournal journal(world, journal_path, experiment, recovery.resumed);
  recovery.journal = &journal;

  const Environment env = CollectEnvironment(world, thread_level);
  Hdf5Report report(world, experiment.output, command_line);
  ProgressReporter progress(root && !options.quiet);
  WarningReporter warnings(root);
  SummaryTable summary(root, stdout);
  Engine engine(world, experiment, env, {&report, &progress, &warnings, &summary},
                std::move(recovery));
  InstallStopHandlers();
  const int not_ok = engine.Run();
  if (root) fmt::print("\nreport: {}\n", experiment.output);
  // A partial report keeps its journal: say how to finish the experiment.
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
  journal.Remove();
  if (not_ok > 0) {
    if (root) fmt::print(stderr, "parlab: {} run(s) did not verify or failed\n", not_ok);
    return kExitRunsFailed;
  }
  return 0;
}

int Main(int argc, char** argv, int thread_level) {
  MPI_Comm world = MPI_COMM_WORLD;
  const bool root = Rank(world) == 0;
  CLI::App app{"parlab: measure how work should be parallelised (MPI ranks x OpenMP threads)"};
  app.require_subcommand(1);
  RunOptions run_options;
  CLI::App* run = app.add_subcommand("run", "run an experiment and write its HDF5 report");
  run->add_option("config", run_options.config, "experiment file (TOML)")->required();
  run->add_option("-o,--output", run_options.output, "report path (overrides [experiment].output)");
  run->add_flag("-q,--quiet", run_options.quiet, "no progress lines on stderr");
  run->add_flag("--dry-run", run_options.dry_run, "validate and list the runs, measure nothing");
  run->add_option("--shape", run_options.shape, "only the runs of this RANKSxTHREADS shape");
  run->add_flag("--resume", run_options.resume,
                "continue an experiment that was stopped or crashed: runs finished in "
                "<output>.journal are kept, only the others are measured");
  std::vector<std::string> validate_paths;
  CLI::App* validate = app.add_subcommand("validate", "check experiment files, run nothing");
  validate->add_option("config", validate_paths, "experiment file(s) (TOML)")->required();
  CLI::App* list = app.add_subcommand("list", "kernels, execution models and their parameters");
  CLI::App* info = app.add_subcommand("info", "versions, cores and thread binding of this launch");
  std::string primitives_output;
  bool spawned_child = false;
  CLI::App* primitives = app.add_subcommand(
      "primitives", "threads vs processes vs async: creation, memory, switches, communication");
  primitives->add_option("-o,--output", primitives_output, "also write the figures as JSON");
  primitives->add_flag("--spawned-child", spawned_child, "internal: started by MPI_Comm_spawn");
  ProbeCommandOptions probe_options;
  CLI::App* probe = AddProbeCommand(app, probe_options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root ? app.exit(e) : 0;
  } catch (const CLI::ParseError& e) {
    if (root) fmt::print(stderr, "parlab: error: {} (see 'parlab --help')\n", e.what());
    return kExitBadInput;
  }
  if (*list) return root ? List() : 0;
  if (*info) return Info(world, thread_level);
  if (*primitives) {
    if (spawned_child) return RunSpawnedChild();
    const nlohmann::json figures = MeasurePrimitives(world);
    if (!root) return 0;
    fmt::print("{}", FormatPrimitives(figures));
    if (!primitives_output.empty()) {
      std::ofstream out(primitives_output);
      out << figures.dump(2) << "\n";
      if (!out) throw CollectiveError("cannot write " + primitives_output);
    }
    return 0;
  }
  if (*validate) return Validate(world, validate_paths);
  if (*probe) return RunProbeCommand(world, probe_options);
  return RunExperiment(world, thread_level, run_options, CommandLine(argc, argv));
}

}  // namespace
}  // namespace parlab

int main(int argc, char** argv) {
  int thread_level = MPI_THREAD_SINGLE;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &thread_level);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int code = 0;
  try {
    code = parlab::Main(argc, argv, thread_level);
  } catch (const parlab::ConfigError& e) {
    if (rank == 0) std::fprintf(stderr, "parlab: error: %s\n", e.what());
    code = parlab::kExitBadInput;
  } catch (const parlab::CollectiveError& e) {
    if (rank == 0) std::fprintf(stderr, "parlab: error: %s\n", e.what());
    code = parlab::kExitBadInput;
  } catch (const std::exception& e) {
    // Only this rank knows: the others may be inside a collective, so end them all.
    std::fprintf(stderr, "parlab: fatal error on rank %d: %s\n", rank, e.what());
    MPI_Abort(MPI_COMM_WORLD, 3);
  }
  if (parlab::RunThreadsLeftBehind(MPI_COMM_WORLD)) {
    // A hung run's thread may be inside MPI, where MPI_Finalize can crash: the report is
    // complete, so end without it (mpirun passes the exit code on).
    std::fflush(nullptr);
    std::_Exit(code);
  }
  MPI_Finalize();
  return code;
}
