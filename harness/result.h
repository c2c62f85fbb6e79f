// Figures derived from a run's outcome (outcome.h): statistics of its cell times, rates,
// speedup against its baseline, and the kernel's cross-run figures. Computed once, by the
// engine, from the raw samples only; reporters receive them finished.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "harness/outcome.h"
#include "harness/run_spec.h"
#include "harness/stats.h"

namespace parlab {

struct RunResult {
  std::vector<double> cell_times;     // per repetition: the slowest rank's total
  std::vector<double> phase_medians;  // per column: median over repetitions of the slowest rank
  Summary time;
  double rate = 0;  // work per second at the median time, in work.rate_unit (NaN: none)
  double speedup = 0, efficiency = 0, karp_flatt = 0;  // NaN without a baseline
  DerivedFigures derived;  // the kernel's figures across runs (e.g. overlap)
  bool resumed = false;    // the outcome was replayed from an earlier attempt's journal
};

// Statistics of one outcome, against a baseline median time (NaN when there is none; a
// verified baseline run is its own baseline).
RunResult Derive(const RunSpec& spec, const RunOutcome& outcome, double baseline_median_s);

// Every finished run, as the reporters receive it.
struct FinishedRun {
  const RunSpec& spec;
  const RunOutcome& outcome;
  const RunResult& result;
  // This rank's own [repetition][column] samples (empty when it sat the run out), for
  // reporters that write in parallel.
  const std::vector<double>& local_rows;
};

// Derives each finished run in measuring order: keeps the baseline of every label and one
// deriver per kernel.
class Analysis {
 public:
  RunResult Add(const RunSpec& spec, const RunOutcome& outcome, bool resumed);

 private:
  std::map<std::string, double> baselines_;  // label -> median time of its baseline run
  std::map<std::string, std::unique_ptr<ResultDeriver>> derivers_;  // per kernel
};

}  // namespace parlab
