#include <gtest/gtest.h>

#include <cmath>

#include "harness/stats.h"

namespace parlab {
namespace {

TEST(Stats, MinMedianMaxMean) {
  const Summary s = Summarize({3.0, 1.0, 2.0, 10.0});
  EXPECT_EQ(s.count, 4);
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.max, 10.0);
  EXPECT_DOUBLE_EQ(s.median, 2.5);  // even count: mean of the middle two
  EXPECT_DOUBLE_EQ(s.mean, 4.0);
  EXPECT_DOUBLE_EQ(Summarize({5.0, 1.0, 3.0}).median, 3.0);
}

TEST(Stats, ConfidenceIntervalUsesStudentT) {
  // mean 2, sample stddev 1, n = 3: half width = t(0.975, 2) * 1 / sqrt(3) = 4.303 / 1.732.
  const Summary s = Summarize({1.0, 2.0, 3.0});
  EXPECT_DOUBLE_EQ(s.stddev, 1.0);
  EXPECT_NEAR(s.ci95_low, 2.0 - 4.303 / std::sqrt(3.0), 1e-12);
  EXPECT_NEAR(s.ci95_high, 2.0 + 4.303 / std::sqrt(3.0), 1e-12);
  EXPECT_TRUE(std::isnan(Summarize({1.0}).ci95_low));  // undefined for one sample
  EXPECT_DOUBLE_EQ(StudentT95(1), 12.706);
  EXPECT_DOUBLE_EQ(StudentT95(1000), 1.960);
}

TEST(Stats, OutliersOutsideTukeyFences) {
  // Q1 = 1.75, Q3 = 3.25, IQR = 1.5: fences at -0.5 and 5.5.
  EXPECT_EQ(Summarize({1, 2, 3, 2, 3, 1, 3, 2}).outliers, 0);
  EXPECT_EQ(Summarize({1, 2, 3, 2, 3, 1, 3, 2, 50}).outliers, 1);
  EXPECT_EQ(Summarize({4, 4, 4, 4}).outliers, 0);
}

TEST(Stats, QuantileInterpolates) {
  EXPECT_DOUBLE_EQ(Quantile({0, 10}, 0.25), 2.5);
  EXPECT_DOUBLE_EQ(Quantile({7}, 0.9), 7);
  EXPECT_THROW(Summarize({}), std::invalid_argument);
}

TEST(Stats, SpeedupEfficiencyKarpFlatt) {
  EXPECT_DOUBLE_EQ(Speedup(8.0, 2.0), 4.0);
  EXPECT_DOUBLE_EQ(Efficiency(4.0, 8), 0.5);
  // Perfect scaling has no serial fraction; S = 1 on p workers is all serial.
  EXPECT_NEAR(KarpFlatt(4.0, 4), 0.0, 1e-15);
  EXPECT_NEAR(KarpFlatt(1.0, 4), 1.0, 1e-15);
  // Amdahl with serial fraction f = 0.1 on p = 4: S = 1 / (0.1 + 0.9 / 4); Karp-Flatt gives f back.
  EXPECT_NEAR(KarpFlatt(1.0 / (0.1 + 0.9 / 4), 4), 0.1, 1e-12);
  EXPECT_TRUE(std::isnan(KarpFlatt(1.0, 1)));
  EXPECT_TRUE(std::isnan(Speedup(std::nan(""), 1.0)));
}

}  // namespace
}  // namespace parlab
