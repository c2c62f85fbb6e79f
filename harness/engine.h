// Runs an experiment: for each run, splits MPI_COMM_WORLD into the shape's ranks (the
// others wait without busy-polling), measures it, and hands the record to the reporters.
#pragma once

#include <mpi.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/run_spec.h"
#include "harness/environment.h"
#include "harness/journal.h"
#include "core/mpi_util.h"
#include "harness/reporter.h"

namespace parlab {

// What lets an experiment survive its job: the journal every measured run is appended to,
// and the runs an earlier attempt finished (run id -> record JSON), which are replayed.
struct Recovery {
  RunJournal* journal = nullptr;
  std::map<std::string, std::string> resumed;
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
  // Measures a run on its shape's ranks (the others wait) and returns its raw record as
  // JSON on every rank, appended to the journal; nullopt when a stop signal ended it.
  std::optional<std::string> Measure(const RunSpec& spec, const Environment& env,
                                     std::vector<double>& local_rows);

  int stop_signal_ = 0;
  std::string stopped_by_;
  std::map<int, CommHandle> comms_;  // one communicator per rank count, reused
  MPI_Comm world_;
  const Experiment& experiment_;
  const Environment& env_;
  std::vector<Reporter*> reporters_;
  Recovery recovery_;
};

class RunControl;

// Measures one run on the ranks of `comm` (collective over comm). The returned record is
// complete on comm's rank 0; `local_rows` gets this rank's own samples. With a `control`
// (see watchdog.h) the run stops after the repetition in progress once a stop is requested
// on any rank, and reports where it is and what it measured as it goes.
RunRecord MeasureRun(const RunSpec& spec, MPI_Comm comm, const Environment& env,
                     std::vector<double>& local_rows, RunControl* control = nullptr);

// Collective over comm: fills record.samples ([rep][rank][column], on comm's rank 0) from
// every rank's first record.repetitions rows of `local_rows`.
void GatherSamples(RunRecord& record, const std::vector<double>& local_rows, MPI_Comm comm);

// Fills the record's statistics from its samples, with `serial_median` as the baseline
// (NaN when there is none; a serial run is its own baseline).
void Derive(RunRecord& record, double serial_median);

}  // namespace parlab
