// Every kernel under every single-rank model, through the engine's real measuring path.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/dgemm.h"
#include "kernels/montecarlo.h"
#include "harness/result.h"
#include "kernels/stencil.h"
#include "test_util.h"

namespace parlab {
namespace {

using testing_util::MakeSpec;
using testing_util::Measure;
using testing_util::Result;
using testing_util::TestSpec;

struct ModelShape {
  const char* model;
  Shape shape;
};
const ModelShape kSingleRankShapes[] = {
    {"serial", {1, 1}}, {"threads", {1, 2}}, {"threads", {1, 3}}, {"gil", {1, 2}}, {"gil", {1, 3}}};

TEST(Partition, CoversRangeWithoutGaps) {
  for (long long n : {0LL, 1LL, 7LL, 100LL}) {
    for (int parts : {1, 2, 3, 8}) {
      long long next = 0;
      for (int i = 0; i < parts; ++i) {
        const Range r = Partition(n, parts, i);
        EXPECT_EQ(r.begin, next);
        EXPECT_LE(r.size(), n / parts + 1);
        EXPECT_GE(r.size(), n / parts);
        next = r.end;
      }
      EXPECT_EQ(next, n);
    }
  }
}

// Every kernel in the table, with its own test case, under every single-rank shape its
// check accepts: a kernel registered anywhere is tested here without any edit.
TEST(Kernels, EveryKernelVerifiesUnderEverySingleRankModel) {
  ASSERT_GE(KernelTable().size(), 10u);
  for (const KernelInfo& info : KernelTable()) {
    int measured = 0;
    for (const auto& [model, shape] : kSingleRankShapes) {
      const RunSpec spec = TestSpec(info, model, shape, ::testing::TempDir());
      if (info.check && !info.check(spec.params, spec.check_context(MPI_THREAD_MULTIPLE)).empty())
        continue;  // e.g. pingpong needs 2+ ranks: the MPI tests run it
      const RunOutcome r = Measure(spec, MPI_COMM_SELF);
      ++measured;
      EXPECT_EQ(r.status, RunStatus::kOk) << info.name << " " << model << " " << shape.threads
                                          << ": " << r.message;
      EXPECT_EQ(r.repetitions(), 2);
      EXPECT_EQ(r.samples.values().size(), 2u * (kPhaseCount + 1));
      for (int rep = 0; rep < r.repetitions(); ++rep) EXPECT_GE(r.samples.At(rep, 0, 0), 0.0);
    }
    if (info.name != "pingpong") EXPECT_GT(measured, 0) << info.name << " ran under no shape";
  }
}

TEST(Counter, SafeVariantsEndAtZeroUnderEveryModel) {
  for (const char* variant : {"mutex", "atomic", "critical", "reduction"}) {
    for (const auto& [model, shape] : kSingleRankShapes) {
      const RunOutcome r = Measure(
          MakeSpec("counter", model, shape, 30001, {{"variant", std::string(variant)}}), MPI_COMM_SELF);
      EXPECT_EQ(r.status, RunStatus::kOk) << variant << " " << model << ": " << r.message;
      EXPECT_EQ(Result(r, "final_value"), 0.0) << variant << " " << model;
      EXPECT_EQ(Result(r, "updates"), 2 * 30001.0) << variant << " " << model;
      EXPECT_EQ(Result(r, "lost_updates"), 0.0);
    }
  }
}

TEST(Counter, UpdatesWithTheLockReleasedStayExactUnderEveryModel) {
  for (const char* variant : {"mutex", "atomic", "reduction"}) {
    for (const auto& [model, shape] : kSingleRankShapes) {
      const RunOutcome r = Measure(MakeSpec("counter", model, shape, 20001,
                                            {{"variant", std::string(variant)}, {"without_lock", true}}),
                                   MPI_COMM_SELF);
      EXPECT_EQ(r.status, RunStatus::kOk) << variant << " " << model << ": " << r.message;
      EXPECT_EQ(Result(r, "final_value"), 0.0) << variant << " " << model;
    }
  }
}

TEST(Counter, RacyVariantIsExactWithOneWorkerAndBoundedWithMany) {
  const RunOutcome one = Measure(
      MakeSpec("counter", "serial", {1, 1}, 100000, {{"variant", std::string("racy")}}), MPI_COMM_SELF);
  EXPECT_EQ(Result(one, "final_value"), 0.0);
  EXPECT_EQ(Result(one, "lost_updates"), 0.0);
  const RunSpec spec =
      MakeSpec("counter", "threads", {1, 2}, 100000, {{"variant", std::string("racy")}});
  const RunOutcome two = Measure(spec, MPI_COMM_SELF);
  EXPECT_EQ(two.status, RunStatus::kOk) << two.message;
  EXPECT_EQ(Result(two, "updates"), 200000.0);  // the last repetition's
  EXPECT_LE(std::abs(Result(two, "final_value")), 100000.0);
  // lost_updates adds up every execution (warm-ups too); final_value is the last one's.
  EXPECT_GE(Result(two, "lost_updates"), std::abs(Result(two, "final_value")));
  EXPECT_LE(Result(two, "lost_updates"), 100000.0 * (spec.warmups + spec.repetitions));
}

TEST(MonteCarlo, CountIsIndependentOfHowSamplesAreSplit) {
  const std::uint64_t whole = CountInside(7, 0, 100000);
  std::uint64_t pieces = 0;
  for (std::uint64_t begin = 0; begin < 100000; begin += 9973)
    pieces += CountInside(7, begin, std::min<std::uint64_t>(100000, begin + 9973));
  EXPECT_EQ(whole, pieces);
  EXPECT_NE(CountInside(7, 0, 100000), CountInside(8, 0, 100000));  // the seed matters
}

TEST(MonteCarlo, SameEstimateForEverySingleRankShape) {
  const double expected = static_cast<double>(CountInside(42, 0, 1000003));
  for (const auto& [model, shape] : kSingleRankShapes) {
    const RunOutcome r = Measure(MakeSpec("montecarlo", model, shape, 1000003), MPI_COMM_SELF);
    EXPECT_EQ(Result(r, "inside"), expected) << model << " " << shape.threads;
    EXPECT_NEAR(Result(r, "pi_estimate"), 3.14159, 0.01);
  }
}

TEST(Dgemm, BlockedMatchesNaiveProductForAwkwardSizes) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> dist(-1, 1);
  for (long long n : {1LL, 5LL, 17LL, 61LL, 300LL}) {
    for (long long rows : {n, (n + 1) / 2}) {
      std::vector<double> a(rows * n), b(n * n), c(rows * n, -99.0);
      for (auto& x : a) x = dist(rng);
      for (auto& x : b) x = dist(rng);
      Worker worker(0, 1, nullptr);
      GemmWorkspace workspace(rows, n);
      BlockedDgemm(rows, n, a.data(), b.data(), c.data(), worker, workspace);
      double worst = 0;
      for (long long i = 0; i < rows; ++i)
        for (long long j = 0; j < n; ++j) {
          double expected = 0;
          for (long long k = 0; k < n; ++k) expected += a[i * n + k] * b[k * n + j];
          worst = std::max(worst, std::abs(c[i * n + j] - expected));
        }
      EXPECT_LT(worst, 1e-12 * n) << "n=" << n << " rows=" << rows;
    }
  }
}

TEST(Dgemm, BothImplementationsVerifyAndCountFlops) {
  for (const char* impl : {"blocked", "blas"}) {
    for (const auto& [model, shape] : kSingleRankShapes) {
      const RunOutcome r =
          Measure(MakeSpec("dgemm", model, shape, 130, {{"impl", std::string(impl)}}), MPI_COMM_SELF);
      EXPECT_EQ(r.status, RunStatus::kOk) << impl << " " << model << ": " << r.message;
      EXPECT_DOUBLE_EQ(r.work.amount, 2.0 * 130 * 130 * 130);
      EXPECT_EQ(r.work.rate_unit, "GFLOP/s");
    }
  }
}

TEST(Stencil, ReferenceOnTheDependencyConeEqualsTheWholeGrid) {
  // The reference for a block, computed on the block grown by `iterations`, must equal
  // the same block cut out of a whole-grid computation.
  const std::vector<double> whole = StencilReference(30, 20, 0, 30, 0, 20, 6);
  const std::vector<double> block = StencilReference(30, 20, 10, 17, 5, 9, 6);
  for (long long i = 10; i < 17; ++i)
    for (long long j = 5; j < 9; ++j)
      EXPECT_EQ(block[(i - 10) * 4 + (j - 5)], whole[i * 20 + j]) << i << "," << j;
  // Zero iterations: the initial state.
  EXPECT_EQ(StencilReference(5, 5, 2, 3, 2, 3, 0)[0], StencilInitial(2, 2));
}

TEST(Triad, CountsBytesTheStreamWay) {
  const RunOutcome r =
      Measure(MakeSpec("triad", "threads", {1, 2}, 1000, {{"iterations", std::int64_t{4}}}), MPI_COMM_SELF);
  EXPECT_EQ(r.status, RunStatus::kOk) << r.message;
  EXPECT_DOUBLE_EQ(r.work.amount, 3.0 * 8 * 1000 * 4);  // read b, read c, write a
}

TEST(Wait, EveryTaskWaitsAtLeastItsDurationAndTimeIsInTheWaitPhase) {
  const RunOutcome r = Measure(
      MakeSpec("wait", "threads", {1, 2}, 10, {{"wait_us", 500.0}}), MPI_COMM_SELF);
  EXPECT_EQ(r.status, RunStatus::kOk) << r.message;
  EXPECT_EQ(Result(r, "tasks_completed"), 10.0);
  EXPECT_GE(Result(r, "shortest_wait"), 500e-6);
  const int wait_column = 1 + static_cast<int>(Phase::kWait);
  for (int rep = 0; rep < r.repetitions(); ++rep) {
    EXPECT_GT(r.samples.At(rep, 0, wait_column), 0.0);
    EXPECT_LE(r.samples.At(rep, 0, wait_column), r.samples.At(rep, 0, 0));  // a phase fits in the total
  }
}

TEST(Wait, AsyncKeepsEveryWaitPendingAtOnceSerialOneThreadsAtMostT) {
  const auto run = [](const char* model, Shape shape) {
    return Measure(MakeSpec("wait", model, shape, 12, {{"wait_us", 300.0}, {"work_us", 20.0}}),
                   MPI_COMM_SELF);
  };
  const RunOutcome async = run("async", {1, 1});
  EXPECT_EQ(async.status, RunStatus::kOk) << async.message;
  EXPECT_EQ(Result(async, "max_in_flight"), 12.0);  // all 12 waits pending together
  EXPECT_GE(Result(async, "shortest_wait"), 300e-6);
  EXPECT_EQ(Result(run("serial", {1, 1}), "max_in_flight"), 1.0);
  EXPECT_LE(Result(run("threads", {1, 3}), "max_in_flight"), 3.0);
  EXPECT_LE(Result(run("gil", {1, 3}), "max_in_flight"), 3.0);
}

TEST(Engine, MinTimeGrowsRepetitionsUntilEnoughTimeWasMeasured) {
  // One repetition asked for; each takes >= 1 ms (far more on a loaded machine or under a
  // sanitizer), so 0.2 s needs many: the count grows, and stops once the target is reached.
  RunSpec spec = MakeSpec("wait", "serial", {1, 1}, 1, {{"wait_us", 1000.0}}, 1);
  spec.min_time_s = 0.2;
  spec.max_repetitions = 5000;
  const RunOutcome r = Measure(spec, MPI_COMM_SELF);
  const std::vector<double> cell_times = r.samples.SlowestPerRepetition(0);
  double total = 0;
  for (double t : cell_times) total += t;
  EXPECT_GE(total, 0.2);
  EXPECT_GT(r.repetitions(), 1);
  double without_last = total - cell_times.back();
  EXPECT_LT(without_last, 0.2);  // stopped as soon as the target was reached
  spec.max_repetitions = 3;
  EXPECT_EQ(Measure(spec, MPI_COMM_SELF).repetitions(), 3);  // never beyond the cap
}

TEST(Engine, DeriveUsesTheSlowestRankAndTheSerialBaseline) {
  RunSpec spec = MakeSpec("empty", "processes", {2, 1}, 1);
  RunOutcome o;
  o.work = {10, "item", "items/s", 1};
  // total column per [rep][rank]: rank 1 is slower in reps 0 and 2.
  const double totals[3][2] = {{1.0, 2.0}, {4.0, 3.0}, {1.0, 1.5}};
  std::vector<double> samples(3 * 2 * (kPhaseCount + 1), 0.0);
  for (int rep = 0; rep < 3; ++rep)
    for (int rank = 0; rank < 2; ++rank)
      samples[(rep * 2 + rank) * (kPhaseCount + 1)] = totals[rep][rank];
  o.samples = SampleTable(3, 2, samples);
  RunResult r = Derive(spec, o, 4.0);
  EXPECT_EQ(r.cell_times, (std::vector<double>{2.0, 4.0, 1.5}));
  EXPECT_DOUBLE_EQ(r.time.median, 2.0);
  EXPECT_DOUBLE_EQ(r.rate, 5.0);
  EXPECT_DOUBLE_EQ(r.speedup, 2.0);
  EXPECT_DOUBLE_EQ(r.efficiency, 1.0);
  EXPECT_NEAR(r.karp_flatt, 0.0, 1e-15);
  r = Derive(spec, o, std::nan(""));
  EXPECT_TRUE(std::isnan(r.speedup));
}

}  // namespace
}  // namespace parlab
