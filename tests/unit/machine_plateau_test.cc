// Plateau detection and labelling on synthetic working-set sweeps.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "machine/plateau.h"
#include "machine/scope_probe.h"

namespace parlab {
namespace {

constexpr double kKiB = 1024, kMiB = 1024 * kKiB;

// A step curve at 2 points per octave from 4 KiB to 1 GiB: each level's rate while the
// working set fits (up to `fits`), then a ramp over two octaves to the next level (three
// points in between, as real caches fill gradually), with deterministic noise of
// +-`noise` (relative).
struct Level {
  double fits;
  double gbs;
};
std::vector<BandwidthPoint> StepCurve(const std::vector<Level>& levels, double noise) {
  std::vector<BandwidthPoint> curve;
  for (int k = 0; k <= 36; ++k) {
    const double bytes = 4 * kKiB * std::exp2(k / 2.0);
    std::size_t level = 0;
    while (level + 1 < levels.size() && bytes > levels[level].fits) ++level;
    double gbs = levels[level].gbs;
    if (level > 0 && bytes < 4 * levels[level - 1].fits) {
      const double t = std::log2(bytes / levels[level - 1].fits) / 2;  // 0.25, 0.5, 0.75
      gbs = std::pow(levels[level - 1].gbs, 1 - t) * std::pow(levels[level].gbs, t);
    }
    const double wobble = noise * std::sin(1.7 * k + 0.3);  // in [-noise, noise]
    curve.push_back({bytes, gbs * (1 + wobble)});
  }
  return curve;
}

const std::vector<Level> kFourLevels = {
    {32 * kKiB, 198}, {1 * kMiB, 92}, {64 * kMiB, 60}, {1e30, 19}};
const std::vector<double> kCapacities = {48 * kKiB, 2 * kMiB, 105 * kMiB};

TEST(Plateaus, FourLevelsFoundWithTheirRates) {
  const auto curve = StepCurve(kFourLevels, 0.04);
  const auto plateaus = DetectPlateaus(curve);
  ASSERT_EQ(plateaus.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(plateaus[i].gbs, kFourLevels[i].gbs, 0.05 * kFourLevels[i].gbs) << i;
    EXPECT_GE(plateaus[i].points(), 3u) << i;
  }
  // The L1 plateau ends at the last size that fits in 32 KiB.
  EXPECT_EQ(plateaus[0].to_bytes, 32 * kKiB);
  EXPECT_EQ(plateaus[0].from_bytes, 4 * kKiB);
  EXPECT_EQ(plateaus[3].to_bytes, curve.back().bytes);
}

TEST(Plateaus, LabelledByTheCacheSizes) {
  const auto levels = LabelPlateaus(DetectPlateaus(StepCurve(kFourLevels, 0.04)), kCapacities);
  ASSERT_EQ(levels.size(), 4u);
  const MemoryLevel expected[] = {MemoryLevel::kL1, MemoryLevel::kL2, MemoryLevel::kL3,
                                  MemoryLevel::kDram};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(levels[i].level, expected[i]);
    ASSERT_TRUE(levels[i].found) << MemoryLevelName(expected[i]);
    EXPECT_NEAR(levels[i].plateau.gbs, kFourLevels[i].gbs, 0.05 * kFourLevels[i].gbs);
  }
  EXPECT_EQ(levels[2].capacity_bytes, 105 * kMiB);
  EXPECT_EQ(levels[3].capacity_bytes, 0);
}

TEST(Plateaus, AFlatCurveIsOnePlateau) {
  const auto plateaus = DetectPlateaus(StepCurve({{1e30, 50}}, 0.05));
  ASSERT_EQ(plateaus.size(), 1u);
  EXPECT_EQ(plateaus[0].first, 0u);
  EXPECT_EQ(plateaus[0].last, 36u);
  EXPECT_NEAR(plateaus[0].gbs, 50, 2.5);
}

TEST(Plateaus, AnOutlierDoesNotSplitALevel) {
  auto curve = StepCurve(kFourLevels, 0.02);
  curve[14].gbs *= 0.4;  // 512 KiB, inside the L2 plateau: one slow trial set
  const auto levels = LabelPlateaus(DetectPlateaus(curve), kCapacities);
  ASSERT_TRUE(levels[1].found);
  EXPECT_LE(levels[1].plateau.from_bytes, 128 * kKiB);
  EXPECT_GE(levels[1].plateau.to_bytes, 1 * kMiB);
  EXPECT_NEAR(levels[1].plateau.gbs, 92, 0.05 * 92);
}

TEST(Plateaus, TransitionPointsBelongToNoLevel) {
  const auto curve = StepCurve(kFourLevels, 0.0);
  const auto plateaus = DetectPlateaus(curve);
  ASSERT_EQ(plateaus.size(), 4u);
  // 64 KiB sits halfway (in log) between L1 and L2: 135 GB/s, 30 % off both.
  for (const Plateau& p : plateaus)
    for (std::size_t i = p.first; i <= p.last; ++i)
      EXPECT_NE(curve[i].bytes, 64 * kKiB) << "in the plateau at " << p.gbs;
}

TEST(Plateaus, AMissingLevelIsReportedNotFound) {
  // No L3 step: L2 falls straight to DRAM.
  const auto curve = StepCurve({{32 * kKiB, 198}, {1 * kMiB, 92}, {1e30, 19}}, 0.03);
  const auto levels = LabelPlateaus(DetectPlateaus(curve), kCapacities);
  ASSERT_EQ(levels.size(), 4u);
  EXPECT_TRUE(levels[0].found);
  EXPECT_TRUE(levels[1].found);
  EXPECT_FALSE(levels[2].found);
  ASSERT_TRUE(levels[3].found);
  EXPECT_NEAR(levels[3].plateau.gbs, 19, 1);
}

TEST(Plateaus, LevelsCloserThanTheToleranceMerge) {
  const auto curve = StepCurve({{1 * kMiB, 100}, {1e30, 90}}, 0.0);
  EXPECT_EQ(DetectPlateaus(curve).size(), 1u);
  PlateauOptions strict;
  strict.tolerance = 0.05;
  EXPECT_EQ(DetectPlateaus(curve, strict).size(), 2u);
}

TEST(Plateaus, LabelsGoByTheLargestWorkingSet) {
  const auto plateau = [](double from, double to, std::size_t points, double gbs) {
    Plateau p;
    p.first = 0;
    p.last = points - 1;
    p.from_bytes = from;
    p.to_bytes = to;
    p.gbs = gbs;
    return p;
  };
  // Two plateaus within what L3 holds: the one with more points is L3. One running a
  // little past L1's 48 KiB is still L1; one that starts before L3 is full but runs far
  // past it is DRAM.
  const auto levels = LabelPlateaus({plateau(4 * kKiB, 64 * kKiB, 8, 198),
                                     plateau(4 * kMiB, 8 * kMiB, 3, 60),
                                     plateau(16 * kMiB, 64 * kMiB, 5, 35),
                                     plateau(90 * kMiB, 1024 * kMiB, 8, 19)},
                                    kCapacities);
  ASSERT_EQ(levels.size(), 4u);
  EXPECT_TRUE(levels[0].found);
  EXPECT_EQ(levels[0].plateau.gbs, 198);
  EXPECT_FALSE(levels[1].found);
  ASSERT_TRUE(levels[2].found);
  EXPECT_EQ(levels[2].plateau.gbs, 35);
  ASSERT_TRUE(levels[3].found);
  EXPECT_EQ(levels[3].plateau.gbs, 19);
}

TEST(Plateaus, ARampBetweenCloseLevelsIsNoLevel) {
  // L2 92 -> L3 60 descends in three steps (80, 73, 69): flat enough to be one piece.
  const auto curve = StepCurve(kFourLevels, 0.0);
  for (const Plateau& p : DetectPlateaus(curve))
    EXPECT_FALSE(p.gbs < 85 && p.gbs > 65) << p.from_bytes << ".." << p.to_bytes;
}

TEST(Plateaus, EdgeCases) {
  EXPECT_TRUE(DetectPlateaus(std::vector<BandwidthPoint>{}).empty());
  EXPECT_TRUE(DetectPlateaus(std::vector<BandwidthPoint>{{4096, 10}}).empty());
  EXPECT_THROW(DetectPlateaus(std::vector<BandwidthPoint>{{8192, 10}, {4096, 10}}),
               std::invalid_argument);
  EXPECT_THROW(DetectPlateaus(std::vector<BandwidthPoint>{{4096, 0}, {8192, 10}}),
               std::invalid_argument);
  // No cache information: everything is DRAM, one entry.
  const auto levels = LabelPlateaus(DetectPlateaus(StepCurve(kFourLevels, 0)), {});
  ASSERT_EQ(levels.size(), 1u);
  EXPECT_EQ(levels[0].level, MemoryLevel::kDram);
}

// A cache level's ceiling leaves its plateau's edge points out; DRAM's counts only working
// sets of at least 4x the last cache, where the cache no longer keeps part of them.
TEST(Plateaus, CeilingsComeFromInnerPointsAndDramFromFourTimesTheLastCache) {
  const std::vector<BandwidthPoint> curve = {
      {16 * kKiB, 99}, {32 * kKiB, 50}, {64 * kKiB, 52}, {128 * kKiB, 51}, {256 * kKiB, 60},
      {512 * kMiB, 34}, {1024 * kMiB, 31}, {2048 * kMiB, 28}, {4096 * kMiB, 27.5}};
  LevelPlateau l1{MemoryLevel::kL1, 256 * kKiB, true, {}};
  l1.plateau.first = 0;
  l1.plateau.last = 4;
  EXPECT_EQ(CeilingOfPlateau(curve, l1, 256 * kMiB).gbs, 52);  // not the edges' 99 or 60
  LevelPlateau dram{MemoryLevel::kDram, 0, true, {}};
  dram.plateau.first = 5;
  dram.plateau.last = 8;
  const PlateauCeiling at_four = CeilingOfPlateau(curve, dram, 256 * kMiB);
  EXPECT_EQ(at_four.gbs, 31);  // 1 GiB = 4x 256 MiB and larger; 512 MiB is still partly cached
  EXPECT_NE(at_four.rule.find("4x the last cache"), std::string::npos) << at_four.rule;
  // A sweep that ends below 4x the last cache: its largest point alone.
  EXPECT_EQ(CeilingOfPlateau(curve, dram, 2048 * kMiB).gbs, 27.5);
  // Without cache sizes DRAM is judged like any plateau.
  EXPECT_EQ(CeilingOfPlateau(curve, dram, 0).gbs, 31);
}

TEST(SweepSizes, AscendingWholeBlocksUpToTheShareOfEachWorker) {
  ScopeSettings settings;
  settings.max_working_set = 1 << 30;
  for (int workers : {1, 2, 3, 7}) {
    const auto sizes = SweepWorkerBytes(settings, workers);
    ASSERT_GE(sizes.size(), 30u);
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      EXPECT_EQ(std::fmod(sizes[i], 1536.0), 0.0) << sizes[i];
      if (i > 0) EXPECT_GT(sizes[i], sizes[i - 1]);
    }
    EXPECT_LE(sizes.back() * workers, settings.max_working_set);
    EXPECT_GT(sizes.back() * workers, settings.max_working_set - 1536.0 * workers);
    EXPECT_LE(sizes.front(), 2 * settings.min_worker_bytes);
  }
}

}  // namespace
}  // namespace parlab
