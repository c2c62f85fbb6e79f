// Runs an experiment: for each run, splits MPI_COMM_WORLD into the shape's ranks (the
// others wait without busy-polling), measures it under its watchdog, shares its outcome
// with every rank, appends it to the journal, derives its figures and hands the finished
// run to the reporters. Data flows one way: measure -> outcome -> result -> reporters.
#pragma once

#include <mpi.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/mpi_util.h"
#include "harness/environment.h"
#include "harness/journal.h"
#include "harness/reporter.h"
#include "harness/result.h"
#include "harness/run_spec.h"

namespace parlab {

// What lets an experiment survive its job: the journal every measured run is appended to,
// and the runs an earlier attempt finished, which are replayed.
struct Recovery {
  RunJournal* journal = nullptr;
  FinishedRuns resumed;
};

class Engine {
 public:
  Engine(MPI_Comm world, const Experiment& experiment, const Environment& env,
         std::vector<Reporter*> reporters, Recovery recovery = {})
      : world_(world), experiment_(experiment), env_(env), reporters_(std::move(reporters)),
        recovery_(std::move(recovery)) {}

  // Returns the number of runs that did not end "ok". Stops early, finishing every
  // reporter with the runs completed so far, when a stop signal reaches any rank or a run
  // times out with on_timeout = "stop".
  int Run();
  // The signal that stopped the experiment, 0 when it ran to the end.
  int stop_signal() const { return stop_signal_; }
  // The run whose timeout stopped the experiment (on_timeout = "stop"), "" when none did.
  const std::string& stopped_by() const { return stopped_by_; }

 private:
  // Facts probed once for the kernels the experiment runs (e.g. nonblocking I/O).
  Environment ProbedEnvironment() const;
  // Measures a run on its shape's ranks (the others wait) and returns its outcome on every
  // rank; nullopt when a stop signal ended it.
  std::optional<RunOutcome> Measure(const RunSpec& spec, const Environment& env,
                                    std::vector<double>& local_rows);
  // Rank 0's outcome on every rank of the world, completed with what only the world knows.
  RunOutcome Share(RunOutcome outcome, const RunSpec& spec, const Environment& env,
                   const std::string& left_behind);
  MPI_Comm ShapeComm(int ranks);
  void End(bool complete, const std::string& reason);

  int stop_signal_ = 0;
  std::string stopped_by_;
  std::map<int, CommHandle> comms_;  // one communicator per rank count, reused
  MPI_Comm world_;
  const Experiment& experiment_;
  const Environment& env_;
  std::vector<Reporter*> reporters_;
  Recovery recovery_;
};

}  // namespace parlab
