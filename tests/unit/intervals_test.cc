// The interval code against known distributions, and the round schedule.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "harness/comparison.h"
#include "harness/intervals.h"

namespace parlab {
namespace {

TEST(Intervals, OrderRanksMatchTheBinomialTable) {
  // n = 6: [X(0), X(5)] covers with 1 - 2/64 = 96.9 %; the next pair inwards does not.
  EXPECT_EQ(MedianOrderRanks(5).low, -1);
  EXPECT_EQ(MedianOrderRanks(6).low, 0);
  EXPECT_EQ(MedianOrderRanks(6).high, 5);
  // n = 20: the textbook pair is the 6th and 15th order statistics (1-based).
  EXPECT_EQ(MedianOrderRanks(20).low, 5);
  EXPECT_EQ(MedianOrderRanks(20).high, 14);
}

TEST(Intervals, MedianIntervalIsOrderStatistics) {
  const Interval i = MedianInterval({5, 1, 4, 2, 3, 6, 7, 8, 9, 10});
  EXPECT_DOUBLE_EQ(i.estimate, 5.5);
  EXPECT_TRUE(i.covered);
  EXPECT_DOUBLE_EQ(i.low, 2);   // n = 10: X(1) and X(8), 0-based
  EXPECT_DOUBLE_EQ(i.high, 9);
  EXPECT_FALSE(MedianInterval({1, 2, 3}).covered);
  EXPECT_THROW(MedianInterval({}), std::invalid_argument);
}

// Coverage on a skewed, heavy-tailed distribution (lognormal, like noisy timings): the
// interval must contain the true median in at least 94 % of 2000 samples of 15.
TEST(Intervals, MedianCoverageHoldsOnSkewedTimings) {
  std::mt19937_64 random(7);
  std::lognormal_distribution<double> timing(0.0, 0.5);  // true median exp(0) = 1
  int covered = 0;
  constexpr int kTrials = 2000;
  for (int t = 0; t < kTrials; ++t) {
    std::vector<double> sample(15);
    for (double& v : sample) v = timing(random);
    const Interval i = MedianInterval(sample);
    covered += i.low <= 1.0 && 1.0 <= i.high ? 1 : 0;
  }
  EXPECT_GE(covered, kTrials * 94 / 100);
  EXPECT_LE(covered, kTrials * 995 / 1000);  // not trivially wide either
}

// A/A: two identical runs measured in rounds with a drift shared by both: the paired
// speedup's interval contains 1 in >= 94 % of trials; a real 10 % slowdown is detected
// (interval entirely below 1/1.05) in >= 95 %.
struct Trial {
  int aa_contains_one = 0, shift_detected = 0;
};

Trial RunTrials(int trials, int rounds) {
  std::mt19937_64 random(11);
  std::normal_distribution<double> noise(0.0, 0.03);
  std::uniform_real_distribution<double> drift(0.7, 1.4);  // the machine's mood per round
  Trial result;
  for (int t = 0; t < trials; ++t) {
    std::vector<double> base, same, slower;
    std::vector<int> ids;
    for (int r = 0; r < rounds; ++r) {
      const double mood = drift(random);
      base.push_back(mood * (1 + noise(random)));
      same.push_back(mood * (1 + noise(random)));
      slower.push_back(1.1 * mood * (1 + noise(random)));
      ids.push_back(r);
    }
    const Interval aa = SpeedupInterval(base, ids, same, ids);
    const Interval shift = SpeedupInterval(base, ids, slower, ids);
    result.aa_contains_one += aa.low <= 1 && 1 <= aa.high ? 1 : 0;
    result.shift_detected += shift.high < 1 / 1.05 ? 1 : 0;
  }
  return result;
}

TEST(Intervals, PairedRoundsCancelDriftAndDetectATenPercentShift) {
  const Trial trial = RunTrials(400, 20);
  EXPECT_GE(trial.aa_contains_one, 400 * 94 / 100);
  EXPECT_GE(trial.shift_detected, 400 * 95 / 100);
}

TEST(Intervals, UnpairedFallbackWhenRoundsDoNotMatch) {
  const std::vector<double> base = {2, 2.1, 1.9, 2, 2.05, 1.95, 2};
  const std::vector<double> fast = {1, 1.05, 0.95, 1, 1.02, 0.98, 1};
  // No rounds: the ratio of medians with a bootstrap interval.
  const Interval i = SpeedupInterval(base, {}, fast, {});
  EXPECT_DOUBLE_EQ(i.estimate, 2.0);
  EXPECT_LT(i.low, 2.0);
  EXPECT_GT(i.high, 2.0);
  EXPECT_TRUE(i.covered);
  // The same samples give the same interval (fixed seed).
  EXPECT_DOUBLE_EQ(SpeedupInterval(base, {}, fast, {}).low, i.low);
}

TEST(Intervals, RelativeHalfWidth) {
  Interval i{2.0, 1.9, 2.1, true};
  EXPECT_NEAR(i.RelativeHalfWidth(), 0.05, 1e-12);
  i.covered = false;
  EXPECT_TRUE(std::isinf(i.RelativeHalfWidth()));
}

TEST(Schedule, RoundOrderIsAPermutationFixedBySeedAndVariedByRound) {
  std::set<std::vector<int>> orders;
  for (int round = 0; round < 20; ++round) {
    std::vector<int> order = RoundOrder(42, 3, round, 5);
    EXPECT_EQ(order, RoundOrder(42, 3, round, 5));  // the same on every rank
    std::vector<int> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, (std::vector<int>{0, 1, 2, 3, 4}));
    orders.insert(order);
  }
  EXPECT_GT(orders.size(), 10u);  // shuffled, not one order repeated
  EXPECT_NE(RoundOrder(42, 3, 0, 5), RoundOrder(43, 3, 0, 5));
  EXPECT_TRUE(RoundOrder(1, 0, 0, 0).empty());
}

}  // namespace
}  // namespace parlab
