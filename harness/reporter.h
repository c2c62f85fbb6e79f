// One interface for everything that presents results: the HDF5 report, the progress
// lines, the summary table. The engine calls every reporter the same way.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/run_spec.h"
#include "harness/environment.h"
#include "harness/stats.h"

namespace parlab {

// The outcome of one run, identical on every rank (broadcast by the engine).
struct RunRecord {
  const RunSpec* spec = nullptr;
  std::string status;   // "ok", "failed" (verification), "error" (exception)
  std::string message;  // verification or error text
  int repetitions = 0;
  int ranks = 0;
  int nodes = 1;  // distinct hosts among the run's ranks
  std::vector<double> samples;  // [repetition][rank][column], columns = kSampleColumns
  std::vector<double> cell_times;  // per repetition: the slowest rank's total
  double loop_s = 0;    // wall time of the measured-repetition loop, harness included
  double elapsed_s = 0;  // wall time of the whole run: setup, warm-ups, loop, verification
  Summary time;
  Work work;
  double rate = 0;          // work per second at the median time, in work.rate_unit
  double speedup = 0, efficiency = 0, karp_flatt = 0;  // NaN without a serial baseline
  std::vector<KernelResult> results;   // the kernel's, then derived ones (e.g. overlap)
  std::map<std::string, std::string> notes;
  std::vector<double> phase_medians;  // per column: median over repetitions of the slowest rank
  std::vector<std::string> cpu_sets;  // [rank * threads + thread]
  std::vector<int> places;            // [rank * threads + thread]
  std::vector<std::string> warnings;  // oversubscription first (kOversubscribed), then others
  std::string finished_utc;  // when the run's record was complete
  bool resumed = false;      // replayed from the journal of an earlier attempt
  double Sample(int rep, int rank, int column) const;
  // This rank's [repetition][column] samples (empty for a rank outside the run).
  std::vector<double> RowsOfRank(int rank) const;
  // Per repetition, the slowest rank's value of `column` (column 0: the cell time).
  std::vector<double> SlowestPerRepetition(int column) const;
  // Whether a warning says the shape had more threads than its cores.
  bool Oversubscribed() const;
};

// How every oversubscription warning begins.
inline constexpr const char* kOversubscribed = "oversubscribed: ";

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void Begin(const Experiment& /*experiment*/, const Environment& /*env*/) {}
  virtual void RunStarted(const RunSpec& /*spec*/) {}
  // `local_rows` holds only this rank's [repetition][column] samples (empty when the rank
  // sat the run out), for reporters that write in parallel.
  virtual void RunFinished(const RunRecord& record, const std::vector<double>& local_rows) = 0;
  // `complete` is false when the experiment stopped early.
  virtual void End(bool /*complete*/, const std::string& /*reason*/) {}
};

}  // namespace parlab
