// The python kernel across ranks (run under mpirun with 1, 2 and 4 ranks): one CPython per
// rank, every task verifies on every shape of the world, the counters end where they must,
// an error on one rank marks the run on all, and a task hung on the last rank is abandoned.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "core/mpi_util.h"
#include "harness/watchdog.h"
#include "kernels/python_interpreter.h"
#include "test_util.h"

namespace parlab {
namespace {

using testing_util::Contains;
using testing_util::Measure;
using testing_util::PythonTask;
using testing_util::PythonUserTask;
using testing_util::Result;

bool g_hang_left_on_last_rank = false;

int WorldSize() { return Size(MPI_COMM_WORLD); }
bool Root() { return Rank(MPI_COMM_WORLD) == 0; }
bool LastRank() { return Rank(MPI_COMM_WORLD) == WorldSize() - 1; }

std::vector<std::pair<std::string, Shape>> WorldShapes() {
  const int p = WorldSize();
  if (p == 1) return {{"serial", {1, 1}}, {"threads", {1, 2}}, {"async", {1, 1}}};
  return {{"processes", {p, 1}}, {"hybrid", {p, 2}}, {"async", {p, 1}}};
}

// Rank 0 writes the module; every rank reads the same file (one machine).
std::string WriteModule(const std::string& name, const std::string& source) {
  std::string path = ::testing::TempDir() + "parlab-mpi-python-" + name + ".py";
  if (Root()) std::ofstream(path) << source;
  MPI_Barrier(MPI_COMM_WORLD);
  return path;
}

TEST(MpiPython, EveryTaskVerifiesOnEveryShapeWithSizesNotDivisibleByTheRanks) {
  const std::vector<std::pair<std::string, std::map<std::string, ParamValue>>> tasks = {
      {"count", {}},
      {"count", {{"count_loop", std::string("pass")}}},
      {"locked_counter", {}},
      {"unlocked_counter", {}},
      {"sleep", {{"sleep_ms", 0.2}}},
      {"file_read", {{"read_kib", std::int64_t{32}}, {"dir", ::testing::TempDir()}}},
      {"native", {{"native_kib", std::int64_t{128}}}}};
  for (const auto& [task, params] : tasks) {
    for (const auto& [model, shape] : WorldShapes()) {
      const std::int64_t size = task == "count" || Contains(task, "counter") ? 10007 : 13;
      const RunOutcome r = Measure(PythonTask(task, model, shape, size, params), MPI_COMM_WORLD);
      if (!Root()) continue;  // the record is complete on rank 0
      EXPECT_EQ(r.status, RunStatus::kOk) << task << " " << model << ": " << r.message;
      EXPECT_EQ(r.ranks(), WorldSize());
    }
  }
}

TEST(MpiPython, LockedCounterEndsAtZeroAcrossRanks) {
  for (const auto& [model, shape] : WorldShapes()) {
    const RunOutcome r = Measure(PythonTask("locked_counter", model, shape, 20011), MPI_COMM_WORLD);
    if (!Root()) continue;
    EXPECT_EQ(r.status, RunStatus::kOk) << model << ": " << r.message;
    EXPECT_EQ(Result(r, "final_value"), 0.0) << model;
    EXPECT_EQ(Result(r, "lost_updates"), 0.0) << model;
  }
}

TEST(MpiPython, UnlockedCounterOnSeparateProcessesLosesNothing) {
  // One worker per interpreter: no other thread can interleave with its updates.
  if (WorldSize() == 1) GTEST_SKIP() << "needs 2+ ranks";
  const RunOutcome r = Measure(
      PythonTask("unlocked_counter", "processes", {WorldSize(), 1}, 100000), MPI_COMM_WORLD);
  if (!Root()) return;
  EXPECT_EQ(r.status, RunStatus::kOk) << r.message;
  EXPECT_EQ(Result(r, "lost_updates"), 0.0);
}

TEST(MpiPython, EachRankRunsItsPartInAnInterpreterOfItsOwnProcess) {
  const std::string path = WriteModule("pid",
                                       "import os\n"
                                       "def pid(begin, end):\n    return os.getpid()\n");
  double pids = static_cast<double>(getpid());
  MPI_Allreduce(MPI_IN_PLACE, &pids, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  const int p = WorldSize();
  const RunOutcome r = Measure(
      PythonUserTask(path, "pid", p == 1 ? "serial" : "processes", {p, 1}, 1000), MPI_COMM_WORLD);
  if (!Root()) return;
  EXPECT_EQ(r.status, RunStatus::kOk) << r.message;
  EXPECT_EQ(Result(r, "returned_sum"), pids);
}

TEST(MpiPython, AnExceptionOnTheLastRankMarksTheRunOnEveryRank) {
  const std::string path = WriteModule("raises", R"py(
def work(begin, end):
    if end == N:
        raise ValueError(f"items {begin}..{end} are cursed")
    return end - begin
async def cwork(begin, end):
    return work(begin, end)
N = 1000
)py");
  for (const auto& [model, shape] : WorldShapes()) {
    const RunOutcome r =
        Measure(PythonUserTask(path, model == "async" ? "cwork" : "work", model, shape, 1000),
                MPI_COMM_WORLD);
    EXPECT_EQ(r.status, RunStatus::kError) << model;  // on every rank
    EXPECT_TRUE(Contains(r.message, "raised ValueError: items ")) << r.message;
    EXPECT_TRUE(Contains(r.message, "..1000 are cursed (traceback: ")) << r.message;
    EXPECT_TRUE(Contains(r.message, path + ":4 in work)")) << r.message;
    EXPECT_EQ(r.message.find('\n'), std::string::npos);
  }
  const RunOutcome next = Measure(
      PythonTask("count", WorldShapes()[0].first, WorldShapes()[0].second, 100), MPI_COMM_WORLD);
  if (Root()) EXPECT_EQ(next.status, RunStatus::kOk) << next.message;
}

// Last in this file: it leaves a thread inside Python on the last rank.
TEST(MpiPython, TaskHungOnTheLastRankIsAbandonedAndOnlyItsThreadLeftBehind) {
  const std::string path = WriteModule("hang", R"py(
def work(begin, end):
    while end == N:
        pass
    return end - begin
N = 100
)py");
  const int p = WorldSize();
  python::Start();  // started long ago in any case: the first test ran Python
  RunSpec spec = PythonUserTask(path, "work", p == 1 ? "serial" : "processes", {p, 1}, 100, 3);
  spec.timeout_s = 0.3;
  std::vector<double> rows;
  Environment env = testing_util::TestEnvironment();
  env.granted_thread_level = MPI_THREAD_MULTIPLE;
  g_hang_left_on_last_rank = true;
  const RunOutcome r = MeasureWatched(spec, MPI_COMM_WORLD, env, rows, MeasureRun);
  EXPECT_TRUE(RunThreadsLeftBehind(MPI_COMM_WORLD));
  EXPECT_EQ(python::ThreadsInside() > 0, LastRank());
  if (!Root()) return;
  EXPECT_EQ(r.status, RunStatus::kTimeout);
  EXPECT_EQ(r.repetitions(), 0);
  for (int rank = 0; rank < p; ++rank) {
    const std::string expected = "rank " + std::to_string(rank) + " was in repetition 1" +
                                 (rank == p - 1 ? " (its thread is left behind)" : ";");
    EXPECT_TRUE(Contains(r.message, expected)) << expected << " not in " << r.message;
  }
}

// Finalises each rank's interpreter at the end, except where a thread is still inside.
class FinalizeAtTheEnd : public ::testing::Environment {
 public:
  void TearDown() override {
    const python::Finalization outcome = python::Finalize();
    const python::Finalization expected = g_hang_left_on_last_rank && LastRank()
                                              ? python::Finalization::kThreadInside
                                              : python::Finalization::kFinalized;
    if (outcome == python::Finalization::kNotStarted) return;  // tests filtered out
    EXPECT_EQ(outcome, expected) << "rank " << Rank(MPI_COMM_WORLD) << ": "
                                 << python::FinalizationName(outcome);
  }
};
[[maybe_unused]] ::testing::Environment* const kFinalize =
    ::testing::AddGlobalTestEnvironment(new FinalizeAtTheEnd);

}  // namespace
}  // namespace parlab
