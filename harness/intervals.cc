#include "harness/intervals.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <stdexcept>

#include "harness/stats.h"

namespace parlab {

double Interval::RelativeHalfWidth() const {
  if (!covered || !(estimate > 0)) return std::numeric_limits<double>::infinity();
  return (high - low) / 2 / estimate;
}

namespace {

// P(B <= k) for B ~ Binomial(n, 1/2), by summing the terms in log space.
double BinomialHalfCdf(int n, int k) {
  double total = 0;
  for (int i = 0; i <= k; ++i)
    total += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) -
                      n * std::log(2.0));
  return total;
}

}  // namespace

OrderRanks MedianOrderRanks(int n, double level) {
  // The widest symmetric pair first fails the level; walk inwards while it still holds.
  // Coverage of [X(j), X(n-1-j)] (0-based) is 1 - 2 P(B <= j).
  if (n < 1) return {};
  int best = -1;
  for (int j = 0; j < (n + 1) / 2; ++j) {
    if (1 - 2 * BinomialHalfCdf(n, j) >= level) best = j;
    else break;
  }
  if (best < 0) return {};
  return {best, n - 1 - best};
}

Interval MedianInterval(std::vector<double> values, double level) {
  if (values.empty()) throw std::invalid_argument("MedianInterval of an empty sample");
  std::sort(values.begin(), values.end());
  Interval interval;
  interval.estimate = Quantile(values, 0.5);
  const OrderRanks ranks = MedianOrderRanks(static_cast<int>(values.size()), level);
  interval.covered = ranks.low >= 0;
  interval.low = interval.covered ? values[static_cast<std::size_t>(ranks.low)] : values.front();
  interval.high = interval.covered ? values[static_cast<std::size_t>(ranks.high)] : values.back();
  return interval;
}

Interval UnpairedRatioInterval(const std::vector<double>& numerator,
                               const std::vector<double>& denominator, double level,
                               std::uint64_t seed) {
  if (numerator.empty() || denominator.empty())
    throw std::invalid_argument("UnpairedRatioInterval of an empty sample");
  constexpr int kResamples = 2000;
  std::mt19937_64 random(seed);
  std::vector<double> ratios, a(numerator.size()), b(denominator.size());
  ratios.reserve(kResamples);
  auto resample = [&](const std::vector<double>& from, std::vector<double>& to) {
    std::uniform_int_distribution<std::size_t> pick(0, from.size() - 1);
    for (double& v : to) v = from[pick(random)];
    return Median(to);
  };
  for (int i = 0; i < kResamples; ++i) ratios.push_back(resample(numerator, a) / resample(denominator, b));
  std::sort(ratios.begin(), ratios.end());
  Interval interval;
  interval.estimate = Median(numerator) / Median(denominator);
  interval.low = Quantile(ratios, (1 - level) / 2);
  interval.high = Quantile(ratios, 1 - (1 - level) / 2);
  interval.covered = numerator.size() >= 5 && denominator.size() >= 5;  // fewer: too coarse
  return interval;
}

Interval SpeedupInterval(const std::vector<double>& baseline, const std::vector<int>& baseline_rounds,
                         const std::vector<double>& times, const std::vector<int>& rounds,
                         double level) {
  std::map<int, double> base_by_round;
  if (baseline_rounds.size() == baseline.size())
    for (std::size_t i = 0; i < baseline.size(); ++i) base_by_round.emplace(baseline_rounds[i], baseline[i]);
  std::vector<double> ratios;
  if (rounds.size() == times.size())
    for (std::size_t i = 0; i < times.size(); ++i) {
      const auto base = base_by_round.find(rounds[i]);
      if (base != base_by_round.end() && times[i] > 0) ratios.push_back(base->second / times[i]);
    }
  if (ratios.size() >= 6) return MedianInterval(ratios, level);
  return UnpairedRatioInterval(baseline, times, level);
}

}  // namespace parlab
