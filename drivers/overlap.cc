#include "overlap.h"

#include <algorithm>
#include <cmath>

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

void OverlapTracker::Observe(RunRecord& r) {
  const RunSpec& spec = *r.spec;
  if (spec.kernel != "io" || r.status != "ok" || r.phase_medians.empty()) return;
  const double total = r.time.median;
  const double compute = r.phase_medians[1 + static_cast<int>(Phase::kCompute)];
  const std::string mode = spec.params.String("mode");
  r.results.push_back({"io_time", total - compute, "s",
                       "median time not spent computing (I/O, posting, tests, waits)"});
  if (mode == "blocking") {
    blocking_[Key(spec)] = {compute, total - compute};
    return;
  }
  if (mode != "nonblocking") return;
  auto baseline = blocking_.find(Key(spec));
  if (baseline == blocking_.end()) {
    r.notes["overlap"] = "no blocking run of the same shape and parameters before this one";
    return;
  }
  const Overlap o = ComputeOverlap(baseline->second.compute_s, baseline->second.io_s, total);
  r.results.push_back({"overlap_hidden", o.hidden_s, "s",
                       "blocking compute + blocking I/O - this run's time: time overlapped"});
  r.results.push_back({"overlap_vs_smaller", o.vs_smaller, "1",
                       "hidden / min(compute, I/O) of the blocking run: share of the shorter "
                       "activity hidden (IMB-IO style; 1 = fully hidden)"});
  r.results.push_back({"overlap_vs_larger", o.vs_larger, "1",
                       "hidden / max(compute, I/O) of the blocking run: 1 only when both are "
                       "equal and fully overlapped"});
}

}  // namespace parlab
