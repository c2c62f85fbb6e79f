// The parlab subcommands, each a function main() dispatches to. Exit codes are in
// kExit*; bad input throws ConfigError (exit 2).
#pragma once

#include <mpi.h>

#include <string>
#include <vector>

#include "harness/run_spec.h"

namespace parlab {

inline constexpr int kExitRunsFailed = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInterrupted = 4;
inline constexpr int kExitStoppedOnTimeout = 5;

// Rank 0 reads the file and every rank parses the same text, so all agree on every error.
Experiment LoadExperiment(MPI_Comm world, const std::string& path, int thread_level);

int ListCommand();
int InfoCommand(MPI_Comm world, int thread_level);
// One line per file: valid (with the ranks it needs) or the error. Exit 2 if any is bad.
int ValidateCommand(MPI_Comm world, int thread_level, const std::vector<std::string>& paths);

// Says what each report holds and exits with what a batch script needs to decide: 0 complete
// and every run ok, 1 complete with failed runs, 4 stopped early or killed (resume it), 5
// stopped after a timeout (on_timeout = "stop"; resume it), 2 not a parlab report. With
// several reports, the highest code.
int StatusCommand(MPI_Comm world, const std::vector<std::string>& reports);

// Watches the machine for `seconds` and prints one line per finding that matters for
// measuring (cores, governor, turbo, steal, clock, busy processes, memory, OMP_*), with what
// it means and how to fix it. Exit 0 when quiet, 1 with warnings.
int CheckCommand(MPI_Comm world, double seconds);

// Measures threads vs processes vs async; prints the table and, with `output`, writes the
// figures as JSON (refused before measuring unless `output` is absent or a regular file).
int PrimitivesCommand(MPI_Comm world, const std::string& output);

struct RunOptions {
  std::string config;
  std::string output;
  std::string shape;  // "RxT": only the runs of this shape (one task of a sweep)
  bool quiet = false;
  bool dry_run = false;
  bool json = false;    // --dry-run as JSON
  bool resume = false;  // continue from the journal of an earlier attempt
  bool probe = false;   // measure the ceilings even if the cache holds them
  // What parlab asked of MPI (PARLAB_THREAD_LEVEL): MPI_THREAD_SINGLE only when the user
  // chose it; a library that grants less than FUNNELED otherwise is refused.
  int requested_thread_level = MPI_THREAD_MULTIPLE;
};

int RunCommand(MPI_Comm world, int thread_level, const RunOptions& options,
               const std::string& command_line);

struct PlanOptions {
  std::string config;
  std::string topology;    // "" (this machine), an hwloc XML file or a synthetic description
  int ranks_per_node = 0;  // 0: the launch's, or with one rank (or --topology) all on one node
  bool json = false;
};

// Prints every shape x placement's plan per node without measuring; exit 2 (after printing
// all) when some plan cannot be satisfied.
int PlanCommand(MPI_Comm world, int thread_level, const PlanOptions& options);

}  // namespace parlab
