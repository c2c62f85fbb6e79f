// The measurement method in one place (after EPCC's common.c): summaries of repeated
// samples, confidence intervals, outliers, and the derived parallel metrics.
#pragma once

#include <string>
#include <vector>

namespace parlab {

struct Summary {
  int count = 0;
  double min = 0, median = 0, max = 0;
  double mean = 0, stddev = 0;
  double ci95_low = 0, ci95_high = 0;  // mean +- t(0.975, n-1) * s / sqrt(n); NaN for n < 2
  int outliers = 0;                    // outside Tukey's fences (1.5 IQR beyond Q1/Q3)
};

// Throws std::invalid_argument on an empty sample.
Summary Summarize(std::vector<double> values);

// Quantile by linear interpolation between order statistics (Hyndman-Fan type 7).
double Quantile(const std::vector<double>& sorted, double q);

// Two-sided 95% Student t critical value for `df` degrees of freedom.
double StudentT95(int df);

double Speedup(double serial_time, double time);
double Efficiency(double speedup, int workers);
// Karp-Flatt experimentally determined serial fraction; NaN for one worker.
double KarpFlatt(double speedup, int workers);

// Median of a sample (NaN when empty).
double Median(std::vector<double> values);

}  // namespace parlab
