// parlab: run, validate and describe parallel-execution experiments.
#include <fmt/format.h>
#include <mpi.h>
#include <omp.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/primitives.h"
#include "app/probe_command.h"
#include "core/collective.h"
#include "core/errors.h"
#include "core/mpi_util.h"
#include "harness/watchdog.h"

namespace parlab {
namespace {

std::string CommandLine(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) line += (i ? " " : "") + std::string(argv[i]);
  return line;
}

void AddRunCommand(CLI::App& app, RunOptions& options) {
  CLI::App* run = app.add_subcommand("run", "run an experiment and write its HDF5 report");
  run->add_option("config", options.config, "experiment file (TOML)")->required();
  run->add_option("-o,--output", options.output, "report path (overrides [experiment].output)");
  run->add_flag("-q,--quiet", options.quiet, "no progress lines on stderr");
  run->add_flag("--dry-run", options.dry_run, "validate and list the runs, measure nothing");
  run->add_flag("--json", options.json, "with --dry-run: the runs and shapes as JSON");
  run->add_option("--shape", options.shape, "only the runs of this RANKSxTHREADS shape");
  run->add_flag("--resume", options.resume,
                "continue an experiment that was stopped or crashed: runs finished in "
                "<output>.journal are kept, only the others are measured");
  run->add_flag("--probe", options.probe,
                "measure the machine's ceilings again instead of reading the per-host cache");
}

CLI::App* AddPlanCommand(CLI::App& app, PlanOptions& options) {
  CLI::App* plan = app.add_subcommand(
      "plan", "the CPUs every rank and thread of every shape and placement would use, per node");
  plan->add_option("config", options.config, "experiment file (TOML)")->required();
  plan->add_option("--topology", options.topology,
                   "an hwloc XML file or a synthetic machine such as 'pack:2 numa:2 core:8 pu:2' "
                   "(default: this machine; HWLOC_SYNTHETIC and HWLOC_XMLFILE are honoured)");
  plan->add_option("--ranks-per-node", options.ranks_per_node,
                   "ranks per node of the launch (default: the launch's; one rank: one node)")
      ->check(CLI::Range(1, 1 << 20));
  plan->add_flag("--json", options.json, "the plans as JSON");
  return plan;
}

CLI::App* AddProbeCommand(CLI::App& app, ProbeCommandOptions& options) {
  CLI::App* probe = app.add_subcommand(
      "probe", "measure this machine's ceilings (peak FLOP/s, bandwidth per memory level, MPI, "
               "storage) or show the cached ones");
  probe->add_flag("--json", options.json, "print the ceilings as JSON");
  probe->add_option("--dir", options.dir, "directory whose write bandwidth is measured")
      ->capture_default_str();
  probe->add_option("--cache", options.cache,
                    "ceilings cache file (default: $PARLAB_CEILINGS_CACHE, else "
                    "$XDG_CACHE_HOME or ~/.cache /parlab/ceilings-<host>.json)");
  probe->add_flag("--force", options.force, "measure again even if the cache is valid");
  probe->add_option("--roofline", options.roofline, "also write an ERT-style roofline.json");
  return probe;
}

int Main(int argc, char** argv, int requested_thread_level, int thread_level) {
  MPI_Comm world = MPI_COMM_WORLD;
  const bool root = Rank(world) == 0;
  CLI::App app{"parlab: measure how work should be parallelised (MPI ranks x OpenMP threads)"};
  app.require_subcommand(1);
  RunOptions run_options;
  run_options.requested_thread_level = requested_thread_level;
  AddRunCommand(app, run_options);
  std::vector<std::string> validate_paths;
  CLI::App* validate = app.add_subcommand("validate", "check experiment files, run nothing");
  validate->add_option("config", validate_paths, "experiment file(s) (TOML)")->required();
  CLI::App* list = app.add_subcommand("list", "kernels, execution models and their parameters");
  std::vector<std::string> status_reports;
  CLI::App* status = app.add_subcommand(
      "status", "what reports hold; exit 0 complete, 1 runs failed, 4/5 resume it, 2 not a report");
  status->add_option("report", status_reports, "report file(s)")->required();
  CLI::App* info = app.add_subcommand("info", "versions, cores and thread binding of this launch");
  double check_seconds = 3;
  CLI::App* check = app.add_subcommand("check", "is this machine quiet enough to measure on?");
  check->add_option("--seconds", check_seconds, "how long to watch steal time, clock and processes")
      ->check(CLI::Range(0.1, 600.0));
  PlanOptions plan_options;
  CLI::App* plan = AddPlanCommand(app, plan_options);
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
  if (*list) return root ? ListCommand() : 0;
  if (*status) return StatusCommand(world, status_reports);
  if (*info) return InfoCommand(world, thread_level);
  if (*check) return CheckCommand(world, check_seconds);
  if (*plan) return PlanCommand(world, thread_level, plan_options);
  if (*primitives) return spawned_child ? RunSpawnedChild() : PrimitivesCommand(world, primitives_output);
  if (*validate) return ValidateCommand(world, thread_level, validate_paths);
  if (*probe) return RunProbeCommand(world, probe_options);
  return RunCommand(world, thread_level, run_options, CommandLine(argc, argv));
}

}  // namespace
}  // namespace parlab

namespace {

// The thread level asked of MPI: MPI_THREAD_MULTIPLE, or what PARLAB_THREAD_LEVEL names
// (-1: a name it does not know). Open MPI 4.1 locks inside every call at any level above
// SINGLE (0.3-0.5 us per small message); below MULTIPLE, runs are measured on the main
// thread (no watchdog abandon) and what calls MPI from several threads is refused.
int RequestedThreadLevel() {
  const char* name = std::getenv("PARLAB_THREAD_LEVEL");
  if (name == nullptr || *name == '\0') return MPI_THREAD_MULTIPLE;
  const std::string level(name);
  if (level == "single") return MPI_THREAD_SINGLE;
  if (level == "funneled") return MPI_THREAD_FUNNELED;
  if (level == "serialized") return MPI_THREAD_SERIALIZED;
  if (level == "multiple") return MPI_THREAD_MULTIPLE;
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  const int requested = RequestedThreadLevel();
  int thread_level = MPI_THREAD_SINGLE;
  MPI_Init_thread(&argc, &argv, requested < 0 ? MPI_THREAD_MULTIPLE : requested, &thread_level);
  // Teams must have the threads their shape asks for: the runtime may not shrink them.
  omp_set_dynamic(0);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int code = 0;
  try {
    if (requested < 0) {
      std::string value = std::getenv("PARLAB_THREAD_LEVEL");
      if (value.size() > 64) value = value.substr(0, 64) + "...";  // one line, whatever was set
      throw parlab::ConfigError("PARLAB_THREAD_LEVEL = \"" + value +
                                "\": expected single, funneled, serialized or multiple");
    }
    code = parlab::Main(argc, argv, requested, thread_level);
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
