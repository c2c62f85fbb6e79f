// Confidence intervals for the answers parlab gives: a run's median cell time and a
// speedup (the ratio of a baseline's times to a run's). Distribution-free, so they hold on
// a noisy machine whose timings are skewed and heavy-tailed:
// - a median's interval is a pair of order statistics chosen from the binomial
//   distribution (coverage >= the level for any continuous distribution);
// - a speedup measured in interleaved rounds is the median of the per-round ratios (the
//   two runs of a pair shared the round's conditions, so drift cancels), with the same
//   order-statistic interval;
// - without pairs (different rounds), the ratio of the medians with a percentile
//   bootstrap interval (fixed seed: the same samples give the same interval).
// parlab_analysis (python) implements the same methods; docs/method.md explains them.
#pragma once

#include <cstdint>
#include <vector>

namespace parlab {

struct Interval {
  double estimate = 0;
  double low = 0, high = 0;
  bool covered = false;  // false when the sample is too small for the level (n < 6 at 95 %)
  // Half the interval's width relative to the estimate (infinity when not covered).
  double RelativeHalfWidth() const;
};

inline constexpr double kConfidence = 0.95;

// The order statistics (0-based, low <= k < high) whose span covers the median with at
// least `level`: P(X(lo) <= median <= X(hi)) >= level. {-1, -1} when n is too small.
struct OrderRanks {
  int low = -1, high = -1;
};
OrderRanks MedianOrderRanks(int n, double level = kConfidence);

// Interval of the median of `values` (throws std::invalid_argument when empty).
Interval MedianInterval(std::vector<double> values, double level = kConfidence);

// Speedup of `times` over `baseline` (baseline / times). Paired when both carry the round
// of every value and at least 6 rounds are common: per-round ratios; otherwise unpaired.
Interval SpeedupInterval(const std::vector<double>& baseline, const std::vector<int>& baseline_rounds,
                         const std::vector<double>& times, const std::vector<int>& rounds,
                         double level = kConfidence);

// The ratio of medians with a percentile-bootstrap interval (2000 resamples).
Interval UnpairedRatioInterval(const std::vector<double>& numerator,
                               const std::vector<double>& denominator,
                               double level = kConfidence, std::uint64_t seed = 1);

}  // namespace parlab
