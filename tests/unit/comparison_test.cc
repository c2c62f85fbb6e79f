// Comparisons measured in rounds (harness/comparison.h) with a fake measuring function:
// every run gets its repetitions, the order is the recorded shuffle, precision and budget
// stop the rounds and say so, a "stop" timeout ends the comparison.
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "harness/comparison.h"
#include "test_util.h"

namespace parlab {
namespace {

using testing_util::MakeSpec;

// One block of `spec`: `repetitions` repetitions of time(spec, call) seconds, one rank.
class FakeMeasure {
 public:
  explicit FakeMeasure(std::function<double(const RunSpec&, int)> time) : time_(std::move(time)) {}
  std::optional<RunOutcome> operator()(const RunSpec& spec, std::vector<double>& rows) {
    calls.push_back(spec.model + ":" + std::to_string(spec.shape.threads));
    warmups.push_back(spec.warmups);
    RunOutcome o;
    o.status = status_for(spec);
    std::vector<double> values;
    for (int r = 0; r < spec.repetitions; ++r) {
      std::vector<double> row(kColumns, 0.0);
      row[0] = time_(spec, static_cast<int>(calls.size()));
      values.insert(values.end(), row.begin(), row.end());
      o.marks.push_back({0, 1e9 + static_cast<double>(calls.size()), 0, 0});
    }
    rows = values;
    o.samples = SampleTable(spec.repetitions, 1, values);
    o.elapsed_s = 0.5 * spec.repetitions;
    blocks_per_spec[spec.model + ":" + std::to_string(spec.shape.threads)].push_back(spec.repetitions);
    return o;
  }
  std::function<RunStatus(const RunSpec&)> status_for = [](const RunSpec&) { return RunStatus::kOk; };
  std::vector<std::string> calls;
  std::vector<int> warmups;  // of each block, in measuring order
  std::map<std::string, std::vector<int>> blocks_per_spec;

 private:
  std::function<double(const RunSpec&, int)> time_;
};

std::vector<RunSpec> ThreeRuns(int repetitions) {
  std::vector<RunSpec> runs = {MakeSpec("empty", "serial", {1, 1}, 1, {}, repetitions),
                               MakeSpec("empty", "threads", {1, 2}, 1, {}, repetitions),
                               MakeSpec("empty", "threads", {1, 4}, 1, {}, repetitions)};
  for (int i = 0; i < 3; ++i) runs[static_cast<std::size_t>(i)].id = "run-" + std::to_string(i);
  return runs;
}

MachineState Quiet() { return {}; }

TEST(Comparison, GroupsAreConsecutiveRunsOfOneRunTable) {
  std::vector<RunSpec> runs = ThreeRuns(3);
  runs.push_back(MakeSpec("empty", "serial", {1, 1}, 2));  // from the next [[run]] table
  runs.push_back(MakeSpec("empty", "threads", {1, 2}, 2));
  runs[3].block = runs[4].block = 2;
  runs.back().interleave = false;  // alone
  const auto groups = ComparisonGroups(runs);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0], (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(groups[1], (std::vector<int>{3}));
  EXPECT_EQ(groups[2], (std::vector<int>{4}));
}

TEST(Comparison, EveryRunGetsItsRepetitionsOneRoundAtATimeInTheRecordedOrder) {
  const std::vector<RunSpec> runs = ThreeRuns(4);
  Comparison comparison({&runs[0], &runs[1], &runs[2]}, 9, 0);
  FakeMeasure fake([](const RunSpec&, int) { return 1.0; });
  ASSERT_TRUE(comparison.Measure(std::ref(fake), Quiet));
  std::vector<std::string> expected;
  const std::string names[] = {"serial:1", "threads:2", "threads:4"};
  for (int round = 0; round < 4; ++round)
    for (int k : RoundOrder(9, 0, round, 3)) expected.push_back(names[k]);
  EXPECT_EQ(fake.calls, expected);
  for (ComparisonRun& run : comparison.runs()) {
    EXPECT_EQ(run.outcome.repetitions(), 4);
    EXPECT_EQ(run.outcome.Rounds(), (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(run.outcome.blocks, 4);
    EXPECT_EQ(run.outcome.stop_reason, StopReason::kRepetitions);
    EXPECT_EQ(run.rows.size(), 4u * kColumns);
  }
}

TEST(Comparison, PrecisionStopsWhenEveryIntervalIsNarrow) {
  std::vector<RunSpec> runs = ThreeRuns(2);
  for (RunSpec& r : runs) r.precision = 0.05;
  Comparison comparison({&runs[0], &runs[1], &runs[2]}, 1, 0);
  std::mt19937_64 random(3);
  std::normal_distribution<double> noise(0, 0.01);
  FakeMeasure fake([&](const RunSpec& s, int) { return (1.0 + noise(random)) / s.shape.threads; });
  ASSERT_TRUE(comparison.Measure(std::ref(fake), Quiet));
  for (ComparisonRun& run : comparison.runs()) {
    EXPECT_EQ(run.outcome.stop_reason, StopReason::kPrecision) << run.spec->model;
    EXPECT_GE(run.outcome.repetitions(), 6);   // no 95 % interval before
    EXPECT_LE(run.outcome.repetitions(), 12);  // 1 % noise needs few rounds
  }
}

TEST(Comparison, BudgetEndsRoundsWhenPrecisionCannotBeMet) {
  std::vector<RunSpec> runs = ThreeRuns(2);
  for (RunSpec& r : runs) {
    r.precision = 0.001;
    r.max_time_s = 12;  // each fake repetition costs 0.5 s
  }
  Comparison comparison({&runs[0], &runs[1], &runs[2]}, 1, 0);
  std::mt19937_64 random(5);
  std::uniform_real_distribution<double> noisy(0.5, 1.5);
  FakeMeasure fake([&](const RunSpec&, int) { return noisy(random); });
  ASSERT_TRUE(comparison.Measure(std::ref(fake), Quiet));
  for (ComparisonRun& run : comparison.runs()) {
    EXPECT_EQ(run.outcome.stop_reason, StopReason::kBudget);
    EXPECT_EQ(run.outcome.repetitions(), 8);  // 8 rounds x 3 runs x 0.5 s = 12 s
  }
}

TEST(Comparison, MinTimeAndNonInterleavedRunsKeepTheirMeaning) {
  std::vector<RunSpec> runs = ThreeRuns(2);
  runs[0].interleave = false;  // one block of all its repetitions
  runs[0].repetitions = 5;
  Comparison alone({&runs[0]}, 1, 0);
  FakeMeasure fake([](const RunSpec&, int) { return 1.0; });
  ASSERT_TRUE(alone.Measure(std::ref(fake), Quiet));
  EXPECT_EQ(fake.blocks_per_spec["serial:1"], (std::vector<int>{5}));
  runs[1].min_time_s = 3.5;  // 1 s per repetition: 4 rounds
  Comparison grown({&runs[1]}, 1, 0);
  ASSERT_TRUE(grown.Measure(std::ref(fake), Quiet));
  EXPECT_EQ(grown.runs()[0].outcome.repetitions(), 4);
  EXPECT_EQ(grown.runs()[0].outcome.stop_reason, StopReason::kMinTime);
}

// Each block is set up anew: a count over executions (lost updates) adds up over the blocks,
// any other result is the last block's.
TEST(Comparison, CountsOverExecutionsAddUpOverARunsBlocks) {
  RunOutcome run;
  run.results = {{"lost_updates", 3, "1", "", true}, {"final_value", -3, "1", ""}};
  RunOutcome block;
  block.results = {{"lost_updates", 0, "1", "", true}, {"final_value", 0, "1", ""}};
  run.AppendBlock(block);
  block.results = {{"lost_updates", 5, "1", "", true}, {"final_value", 5, "1", ""}};
  run.AppendBlock(block);
  EXPECT_EQ(FindResult(run.results, "lost_updates")->value, 8);
  EXPECT_EQ(FindResult(run.results, "final_value")->value, 5);
  RunOutcome failed;  // threw before computing: no results
  failed.status = RunStatus::kError;
  run.AppendBlock(failed);
  EXPECT_EQ(FindResult(run.results, "lost_updates")->value, 8);
  EXPECT_EQ(run.status, RunStatus::kError);
}

// A run is set up again for every round: a kernel steady from its setup on warms up in its
// first round only; any other kernel, or a run with a checkpoint stage, in every round.
TEST(Comparison, WarmUpsRepeatPerRoundOnlyWhereTheKernelNeedsThem) {
  const auto blocks = [](RunSpec spec) {
    spec.warmups = 2;
    Comparison comparison({&spec}, 1, 0);
    FakeMeasure fake([](const RunSpec&, int) { return 1.0; });
    EXPECT_TRUE(comparison.Measure(std::ref(fake), Quiet));
    return fake.warmups;
  };
  EXPECT_EQ(blocks(MakeSpec("counter", "serial", {1, 1}, 100, {}, 4)), (std::vector<int>{2, 0, 0, 0}));
  EXPECT_EQ(blocks(MakeSpec("fault", "serial", {1, 1}, 1, {}, 4)), (std::vector<int>{2, 2, 2, 2}));
  RunSpec staged = MakeSpec("triad", "serial", {1, 1}, 1000, {}, 3);
  staged.io_stage = IoStageSpec{};
  EXPECT_EQ(blocks(staged), (std::vector<int>{2, 2, 2}));
  RunSpec whole = MakeSpec("counter", "serial", {1, 1}, 100, {}, 3);
  whole.interleave = false;  // one block of all its repetitions
  EXPECT_EQ(blocks(whole), (std::vector<int>{2}));
}

TEST(Comparison, AFailedRunLeavesTheRoundsAndAStopTimeoutEndsThem) {
  std::vector<RunSpec> runs = ThreeRuns(5);
  Comparison comparison({&runs[0], &runs[1], &runs[2]}, 1, 0);
  FakeMeasure fake([](const RunSpec&, int) { return 1.0; });
  fake.status_for = [](const RunSpec& s) {
    return s.shape.threads == 2 ? RunStatus::kError : RunStatus::kOk;
  };
  ASSERT_TRUE(comparison.Measure(std::ref(fake), Quiet));
  EXPECT_EQ(comparison.runs()[1].outcome.repetitions(), 1);
  EXPECT_EQ(comparison.runs()[1].outcome.stop_reason, StopReason::kEnded);
  EXPECT_EQ(comparison.runs()[2].outcome.repetitions(), 5);

  runs[2].on_timeout = OnTimeout::kStop;
  Comparison stopped({&runs[0], &runs[1], &runs[2]}, 1, 0);
  fake.status_for = [](const RunSpec& s) {
    return s.shape.threads == 4 ? RunStatus::kTimeout : RunStatus::kOk;
  };
  ASSERT_TRUE(stopped.Measure(std::ref(fake), Quiet));
  EXPECT_TRUE(stopped.stopped_by_timeout());
  EXPECT_TRUE(stopped.runs()[2].timed_out_stop);
}

}  // namespace
}  // namespace parlab
