#include "harness/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace parlab {

double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) throw std::invalid_argument("quantile of an empty sample");
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

double StudentT95(int df) {
  static const double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                  2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                  2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                  2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (df < 1) return std::numeric_limits<double>::quiet_NaN();
  if (df <= 30) return kTable[df - 1];
  if (df <= 40) return 2.042 + (2.021 - 2.042) * (df - 30) / 10.0;
  if (df <= 60) return 2.021 + (2.000 - 2.021) * (df - 40) / 20.0;
  if (df <= 120) return 2.000 + (1.980 - 2.000) * (df - 60) / 60.0;
  return 1.960;
}

Summary Summarize(std::vector<double> values) {
  if (values.empty()) throw std::invalid_argument("summary of an empty sample");
  std::sort(values.begin(), values.end());
  Summary s;
  s.count = static_cast<int>(values.size());
  s.min = values.front();
  s.max = values.back();
  s.median = Quantile(values, 0.5);
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / s.count;
  double squares = 0;
  for (double v : values) squares += (v - s.mean) * (v - s.mean);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (s.count > 1) {
    s.stddev = std::sqrt(squares / (s.count - 1));
    const double half = StudentT95(s.count - 1) * s.stddev / std::sqrt(s.count);
    s.ci95_low = s.mean - half;
    s.ci95_high = s.mean + half;
  } else {
    s.stddev = nan;
    s.ci95_low = s.ci95_high = nan;
  }
  const double q1 = Quantile(values, 0.25);
  const double q3 = Quantile(values, 0.75);
  const double fence = 1.5 * (q3 - q1);
  s.outliers = static_cast<int>(std::count_if(values.begin(), values.end(), [&](double v) {
    return v < q1 - fence || v > q3 + fence;
  }));
  return s;
}

double Speedup(double serial_time, double time) {
  if (!(serial_time > 0) || !(time > 0)) return std::numeric_limits<double>::quiet_NaN();
  return serial_time / time;
}

double Efficiency(double speedup, int workers) {
  return workers > 0 ? speedup / workers : std::numeric_limits<double>::quiet_NaN();
}

double KarpFlatt(double speedup, int workers) {
  if (workers <= 1 || !(speedup > 0)) return std::numeric_limits<double>::quiet_NaN();
  const double p = workers;
  return (1.0 / speedup - 1.0 / p) / (1.0 - 1.0 / p);
}

double Median(std::vector<double> values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  return Quantile(values, 0.5);
}

}  // namespace parlab
