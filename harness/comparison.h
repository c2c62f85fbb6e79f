// A comparison: the runs of an experiment that are compared with each other (one [[run]]
// table: each label's serial baseline and every model, shape and swept parameter value of
// it), measured in rounds so that
// drift of a noisy machine hits all of them alike (after pyperf and Georges et al., OOPSLA
// 2007). Each round measures one block of each active run — set up, warmed up (in its
// first block only for kernels steady after their setup), one repetition, verified — in
// an order shuffled from the experiment's seed; rounds go on
// until every run has its repetitions (and min_time) and, with a precision target, until
// the 95 % interval of every median and of every speedup is that narrow, or until
// max_time of measuring is spent. A run with interleave = false is a comparison of its own
// measured in one block, as before.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "harness/machine_state.h"
#include "harness/outcome.h"
#include "harness/run_spec.h"

namespace parlab {

struct ComparisonRun {
  const RunSpec* spec = nullptr;
  RunOutcome outcome;        // its blocks so far, appended
  std::vector<double> rows;  // this rank's own [repetition][column] samples, appended
  bool active = true;        // still measured in the next round
  bool timed_out_stop = false;  // timed out with on_timeout = "stop": the experiment ends
};

// The runs of `runs` (indices) that form comparisons: maximal stretches of consecutive
// runs of one [[run]] table, each run with interleave = false alone.
std::vector<std::vector<int>> ComparisonGroups(const std::vector<RunSpec>& runs);

// The order of `count` runs in round `round` of comparison `group`: a permutation drawn
// from the seed, the same on every rank.
std::vector<int> RoundOrder(std::uint64_t seed, int group, int round, int count);

class Comparison {
 public:
  // Measures one block of a run on every rank (nullopt when a stop signal ended it).
  using MeasureBlock = std::function<std::optional<RunOutcome>(const RunSpec&, std::vector<double>&)>;
  // The machine's state, the same on every rank (rank 0's reading).
  using SampleMachine = std::function<MachineState()>;

  Comparison(std::vector<const RunSpec*> specs, std::uint64_t seed, int group);

  // Returns false when a stop signal ended it; then no run of it is complete.
  bool Measure(const MeasureBlock& measure, const SampleMachine& sample);
  std::vector<ComparisonRun>& runs() { return runs_; }
  // Whether a run timed out with on_timeout = "stop": the experiment ends after this
  // comparison (whose other runs were finished).
  bool stopped_by_timeout() const { return stopped_; }

 private:
  bool Round(int round, const MeasureBlock& measure, const SampleMachine& sample);
  RunSpec BlockSpec(const ComparisonRun& run) const;
  // Whether `run` needs another round; sets its stop reason when it does not.
  bool NeedsMore(ComparisonRun& run, double spent_s) const;
  bool Precise(const ComparisonRun& run) const;
  // The verified baseline run of `run`'s label in this comparison, if any.
  const ComparisonRun* BaselineOf(const ComparisonRun& run) const;

  std::vector<ComparisonRun> runs_;
  std::uint64_t seed_;
  int group_;
  bool stopped_ = false;
};

}  // namespace parlab
