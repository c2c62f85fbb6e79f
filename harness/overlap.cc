#include "harness/overlap.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace parlab {

Overlap ComputeOverlap(double compute_s, double io_s, double overlapped_s) {
  const double hidden = compute_s + io_s - overlapped_s;
  return {hidden, hidden / std::min(compute_s, io_s), hidden / std::max(compute_s, io_s)};
}

std::string OverlapTracker::Key(const RunSpec& spec) {
  std::string key = spec.model + " " + std::to_string(spec.shape.ranks) + "x" +
                    std::to_string(spec.shape.threads) + " " + std::to_string(spec.params.size());
  for (const auto& [name, value] : spec.params.values()) {
    if (name == "mode" || name == "progress" || name == "test_interval") continue;
    key += " " + name + "=" + FormatParamValue(value);
  }
  return key;
}

namespace {

double Min(const std::vector<double>& values) {
  return *std::min_element(values.begin(), values.end());
}

}  // namespace

void OverlapTracker::Observe(RunRecord& r) {
  const RunSpec& spec = *r.spec;
  if (spec.kernel != "io" || r.status != "ok" || r.repetitions == 0) return;
  // Host noise only ever adds time, so the inputs are minima over repetitions: medians of
  // separate runs can differ by more than the I/O time being hidden.
  const std::vector<double> totals = r.SlowestPerRepetition(0);
  const std::vector<double> computes =
      r.SlowestPerRepetition(1 + static_cast<int>(Phase::kCompute));
  std::vector<double> others(totals.size());
  for (std::size_t i = 0; i < totals.size(); ++i) others[i] = std::max(0.0, totals[i] - computes[i]);
  const double io = Min(others);
  r.results.push_back({"io_time", io, "s",
                       "minimum over repetitions of the slowest rank's time not spent computing "
                       "(I/O, posting, tests, waits)"});
  const std::string mode = spec.params.String("mode");
  if (mode == "blocking") {
    blocking_[Key(spec)] = {Min(computes), io};
    return;
  }
  if (mode != "nonblocking") return;
  auto baseline = blocking_.find(Key(spec));
  if (baseline == blocking_.end()) {
    r.notes["overlap"] = "no blocking run of the same shape and parameters before this one";
    return;
  }
  const Overlap o = ComputeOverlap(baseline->second.compute_s, baseline->second.io_s, Min(totals));
  const char* inputs = " Inputs are minima over repetitions of the slowest rank: blocking "
                       "run's compute and other time, this run's total.";
  r.results.push_back({"overlap_hidden", o.hidden_s, "s",
                       std::string("blocking compute + blocking I/O - this run's time: time "
                                   "overlapped.") + inputs});
  r.results.push_back({"overlap_vs_smaller", o.vs_smaller, "1",
                       std::string("hidden / min(compute, I/O) of the blocking run: share of "
                                   "the shorter activity hidden (1 = fully hidden).") + inputs});
  r.results.push_back({"overlap_vs_larger", o.vs_larger, "1",
                       std::string("hidden / max(compute, I/O) of the blocking run: 1 only when "
                                   "both are equal and fully overlapped.") + inputs});
}

}  // namespace parlab
