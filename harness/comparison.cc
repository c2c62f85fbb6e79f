#include "harness/comparison.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "harness/intervals.h"

namespace parlab {
namespace {

std::vector<double> CellTimes(const RunOutcome& outcome) {
  return outcome.samples.SlowestPerRepetition(0);
}

double Sum(const std::vector<double>& values) {
  return std::accumulate(values.begin(), values.end(), 0.0);
}

// A block stopped by the watchdog speaks of its own share of the run's timeout: say it for
// the whole run, whose blocks share timeout_s.
std::string TimeoutMessage(const ComparisonRun& run, int round) {
  const std::string& message = run.outcome.message;
  const RunSpec& spec = *run.spec;
  if (message.rfind("stopped after ", 0) == 0) {
    const auto rest = message.find("; ");
    return fmt::format("stopped after {} of {} repetitions: the run reached timeout_s = {} s{}{}",
                       run.outcome.repetitions(), spec.repetitions, spec.timeout_s,
                       run.outcome.blocks > 1 ? fmt::format(" (its blocks together, in round {})", round + 1) : "",
                       rest == std::string::npos ? "" : message.substr(rest));
  }
  if (run.outcome.blocks <= 1) return message;
  return fmt::format("in round {}, after {} repetitions in all: {}", round + 1,
                     run.outcome.repetitions(), message);
}

}  // namespace

std::vector<std::vector<int>> ComparisonGroups(const std::vector<RunSpec>& runs) {
  std::vector<std::vector<int>> groups;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const bool joins = !groups.empty() && runs[i].interleave &&
                       runs[static_cast<std::size_t>(groups.back().back())].interleave &&
                       runs[static_cast<std::size_t>(groups.back().back())].block == runs[i].block;
    if (joins) groups.back().push_back(static_cast<int>(i));
    else groups.push_back({static_cast<int>(i)});
  }
  return groups;
}

std::vector<int> RoundOrder(std::uint64_t seed, int group, int round, int count) {
  // Fisher-Yates with a plain modulo draw: fully specified, so the order is reproducible
  // from the recorded seed anywhere, not only with this C++ library.
  std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                         static_cast<std::uint32_t>(group), static_cast<std::uint32_t>(round)};
  std::mt19937_64 random(sequence);
  std::vector<int> order(static_cast<std::size_t>(std::max(0, count)));
  std::iota(order.begin(), order.end(), 0);
  for (int i = count - 1; i > 0; --i)
    std::swap(order[static_cast<std::size_t>(i)],
              order[static_cast<std::size_t>(random() % static_cast<std::uint64_t>(i + 1))]);
  return order;
}

Comparison::Comparison(std::vector<const RunSpec*> specs, std::uint64_t seed, int group)
    : seed_(seed), group_(group) {
  for (const RunSpec* spec : specs) runs_.push_back({spec, {}, {}, true, false});
}

RunSpec Comparison::BlockSpec(const ComparisonRun& run) const {
  RunSpec block = *run.spec;
  const int done = run.outcome.repetitions();
  const bool first = run.outcome.blocks == 0;
  if (block.interleave || !first) {
    const int size = block.interleave ? 1 : block.repetitions;
    block.repetitions = std::max(1, std::min(size, run.spec->max_repetitions - done));
    block.max_repetitions = block.repetitions;
    block.min_time_s = 0;
    if (!first && !block.warms_up_every_block()) block.warmups = 0;
  }
  block.timeout_s = std::max(1e-3, run.spec->timeout_s - run.outcome.elapsed_s);
  return block;
}

const ComparisonRun* Comparison::BaselineOf(const ComparisonRun& of) const {
  for (const ComparisonRun& run : runs_)
    if (run.spec->model_info().is_baseline() && run.outcome.status == RunStatus::kOk &&
        run.outcome.repetitions() > 0 && run.spec->Label() == of.spec->Label())
      return &run;
  return nullptr;
}

bool Comparison::Precise(const ComparisonRun& run) const {
  const std::vector<double> times = CellTimes(run.outcome);
  if (times.empty()) return false;
  const double precision = run.spec->precision;
  if (MedianInterval(times).RelativeHalfWidth() > precision) return false;
  const ComparisonRun* baseline = BaselineOf(run);
  if (baseline == nullptr || baseline == &run) return true;
  const Interval speedup = SpeedupInterval(CellTimes(baseline->outcome), baseline->outcome.Rounds(),
                                           times, run.outcome.Rounds());
  return speedup.RelativeHalfWidth() <= precision;
}

bool Comparison::NeedsMore(ComparisonRun& run, double spent_s) const {
  const RunSpec& spec = *run.spec;
  const int done = run.outcome.repetitions();
  const bool counted = done >= spec.repetitions && Sum(CellTimes(run.outcome)) >= spec.min_time_s;
  const bool precise = spec.precision <= 0 || Precise(run);
  StopReason& reason = run.outcome.stop_reason;
  if (counted && precise) {
    reason = spec.precision > 0                              ? StopReason::kPrecision
             : spec.min_time_s > 0 && done > spec.repetitions ? StopReason::kMinTime
                                                              : StopReason::kRepetitions;
    return false;
  }
  if (done >= spec.max_repetitions) {
    reason = StopReason::kMaxRepetitions;
    return false;
  }
  if (counted && spec.max_time_s > 0 && spent_s >= spec.max_time_s) {
    reason = StopReason::kBudget;
    return false;
  }
  return true;
}

bool Comparison::Round(int round, const MeasureBlock& measure, const SampleMachine& sample) {
  std::vector<int> active;
  for (std::size_t i = 0; i < runs_.size(); ++i)
    if (runs_[i].active) active.push_back(static_cast<int>(i));
  const MachineState before = sample();
  std::vector<std::pair<ComparisonRun*, std::size_t>> measured;  // run, its first new mark
  for (int k : RoundOrder(seed_, group_, round, static_cast<int>(active.size()))) {
    ComparisonRun& run = runs_[static_cast<std::size_t>(active[static_cast<std::size_t>(k)])];
    std::vector<double> rows;
    std::optional<RunOutcome> block = measure(BlockSpec(run), rows);
    if (!block) return false;
    for (RepetitionMark& mark : block->marks) mark.round = round;
    block->blocks = 1;
    const RunStatus status = block->status;
    measured.emplace_back(&run, run.outcome.marks.size());
    if (run.outcome.blocks == 0) run.outcome = std::move(*block);
    else run.outcome.AppendBlock(std::move(*block));
    run.rows.insert(run.rows.end(), rows.begin(), rows.end());
    if (status == RunStatus::kOk) continue;
    run.active = false;
    run.outcome.stop_reason = StopReason::kEnded;
    if (status == RunStatus::kTimeout) run.outcome.message = TimeoutMessage(run, round);
    // The experiment ends after this comparison; its other runs are finished first.
    if (status == RunStatus::kTimeout && run.spec->on_timeout == OnTimeout::kStop)
      run.timed_out_stop = stopped_ = true;
  }
  const MachineState after = sample();
  const double steal = StealShare(before, after);
  const double mhz = before.cpu_mhz > 0 && after.cpu_mhz > 0 ? (before.cpu_mhz + after.cpu_mhz) / 2
                                                             : std::max(before.cpu_mhz, after.cpu_mhz);
  for (auto& [run, first] : measured)
    for (std::size_t m = first; m < run->outcome.marks.size(); ++m) {
      run->outcome.marks[m].steal = steal;
      run->outcome.marks[m].cpu_mhz = mhz;
    }
  return true;
}

bool Comparison::Measure(const MeasureBlock& measure, const SampleMachine& sample) {
  for (int round = 0;; ++round) {
    if (!Round(round, measure, sample)) return false;
    double spent_s = 0;
    for (const ComparisonRun& run : runs_) spent_s += run.outcome.elapsed_s;
    bool any = false;
    for (ComparisonRun& run : runs_)
      if (run.active && !NeedsMore(run, spent_s)) run.active = false;
    // A baseline stays while any run of its label is measured, so every round has pairs.
    for (const ComparisonRun& run : runs_) {
      const ComparisonRun* baseline = BaselineOf(run);
      if (!run.active || baseline == nullptr || baseline->active) continue;
      ComparisonRun& keep = runs_[static_cast<std::size_t>(baseline - runs_.data())];
      keep.active = keep.outcome.repetitions() < keep.spec->max_repetitions;
    }
    for (const ComparisonRun& run : runs_) any = any || run.active;
    if (!any) return true;
  }
}

}  // namespace parlab
