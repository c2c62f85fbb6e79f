// The per-run watchdog: a slow run stops at a repetition boundary and keeps what it
// measured; a hung run is abandoned, recorded, and warned about afterwards.
#include <gtest/gtest.h>
#include <mpi.h>

#include <string>

#include "test_util.h"
#include "harness/placement_check.h"
#include "harness/watchdog.h"

namespace parlab {
namespace {

using testing_util::Contains;
using testing_util::MakeSpec;

Environment WatchEnvironment(int thread_level) {
  Environment env = testing_util::TestEnvironment();
  env.granted_thread_level = thread_level;
  return env;
}

RunOutcome MeasureWithWatchdog(const RunSpec& spec, int thread_level = MPI_THREAD_MULTIPLE) {
  std::vector<double> rows;
  const Environment env = WatchEnvironment(thread_level);
  return MeasureWatched(spec, MPI_COMM_SELF, env, rows, MeasureRun);
}

TEST(Watchdog, GraceIsATenthOfTheTimeoutBetweenOneSecondAndOneMinute) {
  EXPECT_DOUBLE_EQ(GraceSeconds(0.5), 1.0);
  EXPECT_DOUBLE_EQ(GraceSeconds(30), 3.0);
  EXPECT_DOUBLE_EQ(GraceSeconds(3600), 60.0);
}

TEST(Watchdog, RunWithinItsTimeIsUntouched) {
  RunSpec spec = MakeSpec("fault", "serial", {1, 1}, 1, {}, 3);
  spec.timeout_s = 60;
  const RunOutcome r = MeasureWithWatchdog(spec);
  EXPECT_EQ(r.status, RunStatus::kOk) << r.message;
  EXPECT_EQ(r.repetitions(), 3);
  EXPECT_EQ(r.samples.values().size(), 3u * (kPhaseCount + 1));
  EXPECT_TRUE(r.warnings.empty());
}

// The same on the run's own thread (MPI_THREAD_MULTIPLE) and on the main thread.
class SlowRun : public ::testing::TestWithParam<int> {};

TEST_P(SlowRun, StopsAtARepetitionBoundaryAndKeepsWhatItMeasured) {
  RunSpec spec = MakeSpec("fault", "serial", {1, 1}, 1, {{"sleep_ms", 100.0}}, 50);
  spec.timeout_s = 0.35;
  const RunOutcome r = MeasureWithWatchdog(spec, GetParam());
  EXPECT_EQ(r.status, RunStatus::kTimeout);
  EXPECT_GE(r.repetitions(), 1);
  EXPECT_LT(r.repetitions(), 50);
  EXPECT_EQ(r.samples.values().size(), static_cast<std::size_t>(r.repetitions()) * (kPhaseCount + 1));
  for (int rep = 0; rep < r.repetitions(); ++rep) EXPECT_GE(r.samples.At(rep, 0, 0), 0.1);
  EXPECT_TRUE(Contains(r.message, "stopped after " + std::to_string(r.repetitions()) +
                                      " of 50 repetitions: the run reached timeout_s = 0.35 s"))
      << r.message;
  EXPECT_EQ(r.work.unit, "item");  // the kernel finished normally: its work is known
}

INSTANTIATE_TEST_SUITE_P(ThreadLevels, SlowRun,
                         ::testing::Values(MPI_THREAD_MULTIPLE, MPI_THREAD_FUNNELED));

TEST(Watchdog, HungRunIsAbandonedRecordedAndWarnedAbout) {
  RunSpec spec = MakeSpec("fault", "serial", {1, 1}, 1, {{"mode", std::string("hang_run")}}, 3);
  spec.id = "run-hung";
  spec.timeout_s = 0.3;
  ASSERT_FALSE(RunThreadsLeftBehind(MPI_COMM_WORLD));
  const RunOutcome hung = MeasureWithWatchdog(spec);
  EXPECT_EQ(hung.status, RunStatus::kTimeout);
  EXPECT_EQ(hung.repetitions(), 0);
  EXPECT_TRUE(hung.samples.values().empty());
  EXPECT_TRUE(Contains(hung.message, "abandoned: no repetition boundary within 1 s after "
                                     "timeout_s = 0.3 s: rank 0 was in repetition 1 (its thread "
                                     "is left behind)")) << hung.message;
  EXPECT_TRUE(hung.work.unit.empty());  // never learnt: no rate will be computed
  EXPECT_TRUE(RunThreadsLeftBehind(MPI_COMM_WORLD));

  const RunOutcome next = MeasureWithWatchdog(MakeSpec("fault", "serial", {1, 1}, 1));
  EXPECT_EQ(next.status, RunStatus::kOk) << next.message;
  const std::string warning = LeftBehindWarning(MPI_COMM_WORLD);
  EXPECT_TRUE(Contains(warning, "rank 0 still has the thread of timed-out run(s) run-hung"))
      << warning;
  EXPECT_FALSE(warning.starts_with(kOversubscribed));  // reports do not mark the run oversubscribed
}

}  // namespace
}  // namespace parlab
