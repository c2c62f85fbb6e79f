#include "harness/result.h"

#include <cmath>
#include <limits>

namespace parlab {

RunResult Derive(const RunSpec& spec, const RunOutcome& o, double baseline_median_s) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  RunResult r;
  r.cell_times = o.samples.SlowestPerRepetition(0);
  r.phase_medians.assign(kColumns, nan);
  if (o.repetitions() == 0) {
    r.time.min = r.time.median = r.time.max = r.time.mean = nan;
    r.rate = r.speedup = r.efficiency = r.karp_flatt = nan;
    return r;
  }
  for (int c = 0; c < kColumns; ++c) r.phase_medians[c] = Median(o.samples.SlowestPerRepetition(c));
  r.time = Summarize(r.cell_times);
  r.time_interval = MedianInterval(r.cell_times);
  // An abandoned run never learnt its kernel's work (empty unit): no rate.
  r.rate = r.time.median > 0 && !o.work.unit.empty()
               ? o.work.amount / r.time.median / o.work.rate_scale : nan;
  if (spec.model_info().is_baseline() && o.status == RunStatus::kOk) baseline_median_s = r.time.median;
  r.speedup = Speedup(baseline_median_s, r.time.median);
  const int workers = spec.shape.workers();
  r.efficiency = Efficiency(r.speedup, workers);
  r.karp_flatt = KarpFlatt(r.speedup, workers);
  return r;
}

RunResult Analysis::Add(const RunSpec& spec, const RunOutcome& outcome, bool resumed) {
  // Each placement's runs are compared with the serial run under the same placement.
  const std::string key = spec.Label() + "\x1f" + spec.PlacementText();
  const auto baseline = baselines_.find(key);
  RunResult result = Derive(spec, outcome, baseline == baselines_.end()
                                               ? std::numeric_limits<double>::quiet_NaN()
                                               : baseline->second.median_s);
  result.resumed = resumed;
  const bool is_baseline = spec.model_info().is_baseline() && outcome.status == RunStatus::kOk;
  if (is_baseline)
    baselines_[key] = {result.time.median, result.cell_times, outcome.Rounds()};
  const auto now = baselines_.find(key);
  if (now != baselines_.end() && !result.cell_times.empty())
    result.speedup_interval = SpeedupInterval(now->second.times, now->second.rounds,
                                              result.cell_times, outcome.Rounds());
  const KernelInfo& kernel = spec.kernel_info();
  if (kernel.make_deriver) {
    auto& deriver = derivers_[kernel.name];
    if (!deriver) deriver = kernel.make_deriver();
    result.derived = deriver->Derive({spec.params, spec.model, spec.shape,
                                      outcome.status == RunStatus::kOk, outcome.samples,
                                      outcome.results});
  }
  return result;
}

}  // namespace parlab
