// Multi-rank behaviour, run under mpirun with 1, 2 and 4 ranks: every shape uses all of
// MPI_COMM_WORLD, so processes and hybrid get as many ranks as were launched.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/collective.h"
#include "core/mpi_util.h"
#include "harness/result.h"
#include "io/backend.h"
#include "harness/watchdog.h"
#include "kernels/montecarlo.h"
#include "report/hdf5_report.h"
#include "report/output.h"
#include "h5_test_util.h"
#include "test_util.h"

namespace parlab {
namespace {

using testing_util::MakeSpec;
using testing_util::Measure;
using testing_util::Result;

int WorldSize() { return Size(MPI_COMM_WORLD); }
bool Root() { return Rank(MPI_COMM_WORLD) == 0; }

// The multi-rank models that fit this launch.
std::vector<std::pair<std::string, Shape>> WorldShapes() {
  const int p = WorldSize();
  if (p == 1) return {{"serial", {1, 1}}, {"threads", {1, 2}}, {"gil", {1, 2}}};
  return {{"processes", {p, 1}}, {"hybrid", {p, 2}}, {"gil", {p, 2}}};
}

TEST(MpiCounter, SafeVariantsEndAtZeroAcrossRanks) {
  for (const char* variant : {"mutex", "atomic", "critical", "reduction"}) {
    for (const auto& [model, shape] : WorldShapes()) {
      const RunOutcome r = Measure(
          MakeSpec("counter", model, shape, 10007, {{"variant", std::string(variant)}}),
          MPI_COMM_WORLD);
      if (!Root()) continue;  // the record is complete on rank 0
      EXPECT_EQ(r.status, RunStatus::kOk) << variant << " " << model << ": " << r.message;
      EXPECT_EQ(Result(r, "final_value"), 0.0) << variant << " " << model;
      EXPECT_EQ(Result(r, "updates"), 2 * 10007.0) << variant << " " << model;
    }
  }
}

TEST(MpiCounter, RacyOnSeparateProcessesLosesNothing) {
  // Processes share no memory: each rank's counter has one writer, so no update is lost.
  if (WorldSize() == 1) GTEST_SKIP() << "needs 2+ ranks";
  const RunOutcome r = Measure(MakeSpec("counter", "processes", {WorldSize(), 1}, 50000,
                                       {{"variant", std::string("racy")}}),
                              MPI_COMM_WORLD);
  if (Root()) EXPECT_EQ(Result(r, "final_value"), 0.0);
}

TEST(MpiMonteCarlo, EstimateIsTheSameForEveryShape) {
  const std::uint64_t expected = CountInside(42, 0, 777777);
  for (const auto& [model, shape] : WorldShapes()) {
    const RunOutcome r = Measure(MakeSpec("montecarlo", model, shape, 777777), MPI_COMM_WORLD);
    if (Root()) EXPECT_EQ(Result(r, "inside"), static_cast<double>(expected)) << model;
  }
}

TEST(MpiKernels, AllVerifyWithSizesNotDivisibleByTheRankCount) {
  for (const auto& [model, shape] : WorldShapes()) {
    for (const auto& [kernel, size] : std::vector<std::pair<std::string, std::int64_t>>{
             {"dgemm", 37}, {"triad", 1001}, {"wait", 5}, {"empty", 1}}) {
      const RunOutcome r = Measure(MakeSpec(kernel, model, shape, size,
                                           kernel == "wait" ? std::map<std::string, ParamValue>{{"wait_us", 100.0}}
                                                            : std::map<std::string, ParamValue>{}),
                                  MPI_COMM_WORLD);
      if (Root()) EXPECT_EQ(r.status, RunStatus::kOk) << kernel << " " << model << ": " << r.message;
    }
    const RunOutcome blas =
        Measure(MakeSpec("dgemm", model, shape, 53, {{"impl", std::string("blas")}}), MPI_COMM_WORLD);
    if (Root()) EXPECT_EQ(blas.status, RunStatus::kOk) << model << ": " << blas.message;
  }
}

TEST(MpiStencil, DistributedResultEqualsSerialForEveryStyleDecompositionAndExchange) {
  // Sizes not divisible by 2, 3 or 4 ranks, square and not; every threading style with 1
  // and 2 threads, both column halo forms where there are columns to exchange.
  const KernelInfo& stencil = *FindKernel("stencil");
  for (const auto& [model, shape] : WorldShapes()) {
    for (const char* threading : {"funneled", "overlap", "multiple"}) {
      for (const char* decomposition : {"rows", "blocks"}) {
        for (const char* exchange : {"blocking", "nonblocking"}) {
          for (const char* columns : {"packed", "datatype"}) {
            if (std::string(decomposition) == "rows" && std::string(columns) == "datatype") continue;
            for (const auto& [rows, cols] : std::vector<std::pair<int, int>>{{37, 23}, {8, 41}}) {
              const RunSpec spec = MakeSpec(
                  "stencil", model, shape, rows,
                  {{"cols", std::int64_t{cols}}, {"iterations", std::int64_t{7}},
                   {"decomposition", std::string(decomposition)}, {"exchange", std::string(exchange)},
                   {"threading", std::string(threading)}, {"column_halo", std::string(columns)}});
              if (!stencil.check(spec.params, {shape, false, MPI_THREAD_MULTIPLE}).empty())
                continue;  // overlap needs a nonblocking exchange (refused at validation)
              const RunOutcome r = Measure(spec, MPI_COMM_WORLD);
              if (!Root()) continue;
              const std::string what = model + " " + threading + " " + decomposition + " " + exchange +
                                       " " + columns + " " + std::to_string(rows) + "x" +
                                       std::to_string(cols) + ": " + r.message;
              EXPECT_EQ(r.status, RunStatus::kOk) << what;
              EXPECT_EQ(Result(r, "mismatches"), 0.0) << what;
              EXPECT_EQ(Result(r, "process_rows") * Result(r, "process_cols"), WorldSize());
              if (WorldSize() > 1) EXPECT_GT(Result(r, "halo_bytes"), 0.0) << what;
            }
          }
        }
      }
    }
  }
}

TEST(MpiStencil, PersistentAndImmediateRequestsGiveTheSerialResultAndAutoPicksBySize) {
  // auto: immediate requests for halos up to kImmediateMaxBytes, persistent above (a row of 2048
  // columns is 16 KiB, a 2 x 2 block's 8 KiB); every style that exchanges, both decompositions.
  const KernelInfo& stencil = *FindKernel("stencil");
  struct Case {
    const char* requests;
    int cols;
    double persistent;
  };
  for (const auto& [model, shape] : WorldShapes()) {
    for (const Case& c : {Case{"auto", 19, 0}, Case{"auto", 2048, 1}, Case{"persistent", 19, 1},
                          Case{"immediate", 2048, 0}}) {
      for (const char* threading : {"funneled", "overlap", "multiple"}) {
        for (const char* decomposition : {"rows", "blocks"}) {
          const RunSpec spec = MakeSpec(
              "stencil", model, shape, 13,
              {{"cols", std::int64_t{c.cols}}, {"iterations", std::int64_t{5}},
               {"decomposition", std::string(decomposition)},
               {"exchange", std::string("nonblocking")}, {"threading", std::string(threading)},
               {"requests", std::string(c.requests)}});
          if (!stencil.check(spec.params, {shape, false, MPI_THREAD_MULTIPLE}).empty()) continue;
          const RunOutcome r = Measure(spec, MPI_COMM_WORLD);
          if (!Root()) continue;
          const std::string what = model + " " + c.requests + " " + std::to_string(c.cols) +
                                   " columns " + threading + " " + decomposition + ": " + r.message;
          EXPECT_EQ(r.status, RunStatus::kOk) << what;
          EXPECT_EQ(Result(r, "mismatches"), 0.0) << what;
          // One thread exchanges the whole halo; with several (multiple), each its share.
          // auto goes by the messages a segment sends: one rank sends none.
          const bool is_auto = std::string(c.requests) == "auto";
          const bool whole = std::string(threading) != "multiple" || shape.threads == 1;
          if (whole || !is_auto)
            EXPECT_EQ(Result(r, "halo_persistent"), is_auto && WorldSize() == 1 ? 0.0 : c.persistent)
                << what;
        }
      }
    }
  }
}

TEST(MpiStencil, AutoRequestsGoByTheMessagesSentNotTheBlockSize) {
  // Row bands of a tall, narrow grid: 1200 rows (more than 4 KiB of column) but the halo
  // rows sent are 3 doubles: immediate requests.
  const auto [model, shape] = WorldShapes()[1];  // a copy: WorldShapes() is a temporary
  const RunOutcome r = Measure(
      MakeSpec("stencil", model, shape, 1200,
               {{"cols", std::int64_t{3}}, {"iterations", std::int64_t{3}}, {"exchange", std::string("blocking")}}),
      MPI_COMM_WORLD);
  if (!Root()) return;
  EXPECT_EQ(r.status, RunStatus::kOk) << r.message;
  EXPECT_EQ(Result(r, "mismatches"), 0.0);
  EXPECT_EQ(Result(r, "halo_persistent"), 0.0);
}

TEST(MpiStencil, PartitionedIsRecordedAsSkippedWithTheReasonOnAnMpi3Library) {
  const auto [model, shape] = WorldShapes()[1];  // a copy: WorldShapes() is a temporary
  const RunOutcome r =
      Measure(MakeSpec("stencil", model, shape, 16, {{"threading", std::string("partitioned")}}),
              MPI_COMM_WORLD);
#if MPI_VERSION < 4
  EXPECT_EQ(r.status, RunStatus::kSkipped) << r.message;
  EXPECT_NE(r.message.find("needs MPI-4 partitioned communication"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("implements MPI 3."), std::string::npos) << r.message;
  EXPECT_EQ(r.repetitions(), 0);
#else
  EXPECT_NE(r.status, RunStatus::kFailed) << r.message;
#endif
}

TEST(MpiPingPong, ThreadPairsTalkAtOnceOnTheirOwnCommunicators) {
  if (WorldSize() == 1) GTEST_SKIP() << "needs 2+ ranks";
  for (int threads : {1, 2}) {
    const RunOutcome r = Measure(MakeSpec("pingpong", threads == 1 ? "processes" : "hybrid",
                                          {WorldSize(), threads}, 1000,
                                          {{"threads_talk", true}, {"rounds", std::int64_t{20}}}),
                                 MPI_COMM_WORLD);
    if (!Root()) continue;
    EXPECT_EQ(r.status, RunStatus::kOk) << r.message;
    EXPECT_EQ(Result(r, "talking_threads"), threads);
    EXPECT_GT(Result(r, "latency_intra"), 0.0);
    // T pairs move T messages per slowest half round trip, which lies between the mean
    // pair's and T times it: aggregate x mean latency / size is within [1, T].
    const double pairs = Result(r, "aggregate_bandwidth_intra") * Result(r, "latency_intra") / 1000.0;
    EXPECT_LE(pairs, threads * (1 + 1e-9));
    EXPECT_GE(pairs, 1 - 1e-9);
  }
}

TEST(MpiStencil, TooSmallAGridForTheProcessGridIsAClearError) {
  if (WorldSize() < 3) GTEST_SKIP() << "needs 3+ ranks";
  const RunOutcome r = Measure(MakeSpec("stencil", "processes", {WorldSize(), 1}, 2), MPI_COMM_WORLD);
  EXPECT_EQ(r.status, RunStatus::kError);
  EXPECT_NE(r.message.find("fewer rows or columns than the"), std::string::npos) << r.message;
}

TEST(MpiIo, EveryModeAndLayoutReadsBackWhatItWroteAndLeavesNoScratch) {
  const int p = WorldSize();
  const std::string dir = BroadcastString(
      MPI_COMM_WORLD, ::testing::TempDir() + "parlab-io-test-" + std::to_string(getpid()));
  if (Root()) std::filesystem::create_directories(dir);
  MPI_Barrier(MPI_COMM_WORLD);
  const std::string model = p == 1 ? "serial" : "processes";
  struct Case {
    const char* mode;
    const char* progress;
  };
  const Case cases[] = {{"blocking", "none"},    {"independent", "none"}, {"hdf5", "none"},
                        {"nonblocking", "none"}, {"nonblocking", "test"}, {"nonblocking", "thread"},
                        {"nonblocking", "auto"}, {"nonblocking", "helper"},
                        {"nonblocking-independent", "auto"}, {"nonblocking-independent", "thread"},
                        {"nonblocking-independent", "test"}};
  for (const char* layout : {"shared-file", "file-per-rank"}) {
    for (const Case& c : cases) {
      for (bool sync : {false, true}) {
        const RunOutcome r = Measure(
            MakeSpec("io", model, {p, 1}, 10007,  // not divisible by the rank count
                     {{"mode", std::string(c.mode)}, {"progress", std::string(c.progress)},
                      {"layout", std::string(layout)}, {"dir", dir}, {"sync", sync},
                      {"compute_sweeps", std::int64_t{1}}}),
            MPI_COMM_WORLD);
        if (!Root()) continue;
        EXPECT_EQ(r.status, RunStatus::kOk) << c.mode << "/" << c.progress << " " << layout << ": " << r.message;
        EXPECT_EQ(Result(r, "mismatched_bytes"), 0.0);
        EXPECT_EQ(Result(r, "bytes"), 10007.0 * 8);
        if (std::string(c.progress) == "auto" && ModeInfo(*kIoModeNames.Find(c.mode)).nonblocking)
          EXPECT_EQ(r.notes.at("progress_used"), "helper");  // MPI_THREAD_MULTIPLE is granted here
      }
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (Root()) {
    int left = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
      left += entry.path().filename().string().rfind("parlab-", 0) == 0;
    EXPECT_EQ(left, 0) << "scratch files left in " << dir;
    std::filesystem::remove_all(dir);
  }
}

TEST(MpiIo, AsyncPollsItsPendingWriteFromOneThread) {
  const int p = WorldSize();
  const std::string dir = BroadcastString(MPI_COMM_WORLD, ::testing::TempDir());
  const RunOutcome ok = Measure(MakeSpec("io", "async", {p, 1}, 5000,
                                        {{"mode", std::string("nonblocking")}, {"dir", dir}}),
                               MPI_COMM_WORLD);
  if (Root()) EXPECT_EQ(ok.status, RunStatus::kOk) << ok.message;
  const RunOutcome wrong = Measure(MakeSpec("io", "async", {p, 1}, 5000, {{"dir", dir}}),
                                  MPI_COMM_WORLD);  // blocking mode: not an event loop
  EXPECT_EQ(wrong.status, RunStatus::kError);
  EXPECT_NE(wrong.message.find("the async model runs one thread"), std::string::npos);
}

// The last rank's helper thread fails its write: every rank's run is an error with that
// rank's message, and no helper thread is left once the run is over.
TEST(MpiIo, AFailingHelperThreadFailsTheRunOnEveryRankAndEndsWithIt) {
  const int p = WorldSize();
  const auto threads = [] {
    return std::distance(std::filesystem::directory_iterator("/proc/self/task"),
                         std::filesystem::directory_iterator());
  };
  const auto before = threads();
  const RunOutcome r = Measure(MakeSpec("fault", p == 1 ? "serial" : "processes", {p, 1}, 1,
                                        {{"mode", std::string("io_helper")}, {"sleep_ms", 5.0}}),
                               MPI_COMM_WORLD);
  EXPECT_EQ(r.status, RunStatus::kError);
  EXPECT_NE(r.message.find("injected I/O helper fault"), std::string::npos) << r.message;
  EXPECT_EQ(threads(), before) << "a helper thread outlived its run";
}

TEST(MpiIo, AMissingDirectoryIsAnErrorNamingTheFileOnEveryRank) {
  const int p = WorldSize();
  const RunOutcome r = Measure(MakeSpec("io", p == 1 ? "serial" : "processes", {p, 1}, 1000,
                                       {{"dir", std::string("/nonexistent/parlab")}}),
                              MPI_COMM_WORLD);
  EXPECT_EQ(r.status, RunStatus::kError);
  EXPECT_NE(r.message.find("cannot create a scratch directory in /nonexistent/parlab: No such file"),
            std::string::npos)
      << r.message;
}

TEST(MpiIo, StageAfterComputeKernelsReadsBackEveryMode) {
  const int p = WorldSize();
  const std::string model = p == 1 ? "serial" : "processes";
  const std::string dir = BroadcastString(MPI_COMM_WORLD, ::testing::TempDir());
  for (const char* stage : {"blocking", "nonblocking", "independent", "hdf5", "nonblocking-independent"}) {
    for (const auto& [kernel, size] : std::vector<std::pair<std::string, std::int64_t>>{
             {"stencil", 29}, {"triad", 3001}, {"dgemm", 31}}) {
      RunSpec spec = MakeSpec(kernel, model, {p, 1}, size, {}, 3);
      spec.warmups = 1;
      spec.io_stage = IoStageSpec{*kIoModeNames.Find(stage),
                                  std::string(stage) == "independent" ? IoLayout::kFilePerRank
                                                                      : IoLayout::kSharedFile,
                                  dir, false};
      const RunOutcome r = Measure(spec, MPI_COMM_WORLD);
      if (!Root()) continue;
      EXPECT_EQ(r.status, RunStatus::kOk) << kernel << " " << stage << ": " << r.message;
      if (std::string(stage) == "nonblocking") EXPECT_EQ(r.notes.at("io_stage_progress"), "helper");
      const bool posted = ModeInfo(*kIoModeNames.Find(stage)).nonblocking;
      const int io_column = 1 + static_cast<int>(posted ? Phase::kPost : Phase::kIo);
      EXPECT_GT(r.samples.At(0, 0, io_column), 0.0) << kernel << " " << stage;  // I/O was timed
    }
  }
  RunSpec nothing = MakeSpec("montecarlo", model, {p, 1}, 1000);
  nothing.io_stage = IoStageSpec{IoMode::kBlocking, IoLayout::kSharedFile, dir, false};
  const RunOutcome r = Measure(nothing, MPI_COMM_WORLD);
  EXPECT_EQ(r.status, RunStatus::kError);
  EXPECT_NE(r.message.find("has no state to checkpoint"), std::string::npos) << r.message;
}

TEST(MpiEngine, SamplesHoldEveryRankAndRepetition) {
  const int p = WorldSize();
  const RunOutcome r = Measure(MakeSpec("triad", p == 1 ? "serial" : "processes", {p, 1}, 5000, {}, 4),
                              MPI_COMM_WORLD);
  if (!Root()) return;
  EXPECT_EQ(r.repetitions(), 4);
  EXPECT_EQ(r.ranks(), p);
  ASSERT_EQ(r.samples.values().size(), static_cast<std::size_t>(4 * p * (kPhaseCount + 1)));
  for (int rep = 0; rep < 4; ++rep)
    for (int rank = 0; rank < p; ++rank) {
      EXPECT_GT(r.samples.At(rep, rank, 0), 0.0);
      EXPECT_LE(r.samples.At(rep, rank, 1), r.samples.At(rep, rank, 0));  // compute within total
    }
}

TEST(MpiEngine, FailuresOnOneRankReachEveryRankAndMarkTheRun) {
  const int p = WorldSize();
  const Shape shape{p, 1};
  const std::string model = p == 1 ? "serial" : "processes";
  const RunOutcome wrong = Measure(MakeSpec("fault", model, shape, 1, {{"mode", std::string("wrong")}}),
                                  MPI_COMM_WORLD);
  EXPECT_EQ(wrong.status, RunStatus::kFailed);
  EXPECT_EQ(wrong.message, "injected wrong result");
  EXPECT_EQ(wrong.repetitions(), 2);  // measured, then failed verification
  const RunOutcome setup = Measure(
      MakeSpec("fault", model, shape, 1, {{"mode", std::string("throw_setup")}}), MPI_COMM_WORLD);
  EXPECT_EQ(setup.status, RunStatus::kError);  // on every rank, not only the one that threw
  EXPECT_NE(setup.message.find("injected setup fault"), std::string::npos) << setup.message;
  EXPECT_EQ(setup.repetitions(), 0);
  const RunOutcome run = Measure(
      MakeSpec("fault", model, shape, 1, {{"mode", std::string("throw_run")}}), MPI_COMM_WORLD);
  EXPECT_EQ(run.status, RunStatus::kError);
  EXPECT_NE(run.message.find("repetition 1 failed: injected run fault"), std::string::npos)
      << run.message;
  if (Root()) EXPECT_TRUE(run.samples.values().empty());
}

TEST(MpiUtil, AgreeOrThrowGivesEveryRankTheFirstFailingRanksMessage) {
  const int rank = Rank(MPI_COMM_WORLD);
  const int failing = WorldSize() - 1;
  try {
    AgreeOrThrow(MPI_COMM_WORLD, rank == failing ? "disk full on rank " + std::to_string(rank) : "");
    FAIL() << "no rank threw";
  } catch (const CollectiveError& e) {
    EXPECT_EQ(std::string(e.what()), "disk full on rank " + std::to_string(failing));
  }
  EXPECT_NO_THROW(AgreeOrThrow(MPI_COMM_WORLD, ""));
}

TEST(MpiUtil, StringsGatherAndBroadcastInRankOrder) {
  const auto all = AllGatherStrings(MPI_COMM_WORLD, std::string(Rank(MPI_COMM_WORLD) + 1, 'x'));
  ASSERT_EQ(all.size(), static_cast<std::size_t>(WorldSize()));
  for (int r = 0; r < WorldSize(); ++r) EXPECT_EQ(all[r], std::string(r + 1, 'x'));
  EXPECT_EQ(BroadcastString(MPI_COMM_WORLD, Root() ? "from root" : "ignored"), "from root");
}

TEST(MpiUtil, IdleRanksWaitWhileASubsetWorks) {
  // Rank 0 works alone on a split communicator; the rest sit in IdleBarrier.
  MPI_Comm raw = MPI_COMM_NULL;
  MPI_Comm_split(MPI_COMM_WORLD, Root() ? 0 : MPI_UNDEFINED, 0, &raw);
  CommHandle alone(raw);
  if (Root()) {
    const RunOutcome r = Measure(MakeSpec("wait", "serial", {1, 1}, 3, {{"wait_us", 2000.0}}), alone.get());
    EXPECT_EQ(r.status, RunStatus::kOk);
  } else {
    EXPECT_FALSE(alone.valid());
  }
  IdleBarrier(MPI_COMM_WORLD);
}

TEST(MpiReport, ParallelWriteKeepsEveryRanksSamples) {
  const int p = WorldSize();
  const std::string dir = BroadcastString(MPI_COMM_WORLD, Root() ? ::testing::TempDir() : "");
  const std::string output = dir + "/parlab_mpi_report_" + std::to_string(p) + ".h5";
  Experiment experiment;
  experiment.name = "mpi-test";
  experiment.config_text = "# synthetic";
  experiment.runs.push_back(MakeSpec("triad", p == 1 ? "serial" : "processes", {p, 1}, 999, {}, 3));
  experiment.runs.back().id = "run-0001";
  experiment.runs.back().io_stage = IoStageSpec{IoMode::kHdf5, IoLayout::kSharedFile, dir, true};
  Environment env = testing_util::TestEnvironment();
  env.hostnames = AllGatherStrings(MPI_COMM_WORLD, "host" + std::to_string(Rank(MPI_COMM_WORLD)));
  env.rank_cpus = AllGatherStrings(MPI_COMM_WORLD, "0");
  PrepareOutputPath(MPI_COMM_WORLD, output, "");
  Hdf5Report report(MPI_COMM_WORLD, output, "test");
  report.Begin(experiment, env);
  std::vector<double> rows;
  const RunSpec& spec = experiment.runs[0];
  const RunOutcome outcome = ShareOutcome(MPI_COMM_WORLD, MeasureRun(spec, MPI_COMM_WORLD, env, rows),
                                          {spec.shape.ranks, spec.shape.threads, spec.max_repetitions});
  const RunResult result = Derive(spec, outcome, std::nan(""));
  // The report must hold each rank's own rows: mark them so a mix-up would show.
  for (std::size_t i = 0; i < rows.size(); i += kPhaseCount + 1) rows[i] = 1000.0 + Rank(MPI_COMM_WORLD);
  report.RunFinished({spec, outcome, result, rows});
  EXPECT_TRUE(std::filesystem::exists(output + ".tmp"));
  report.End(true, "");
  MPI_Barrier(MPI_COMM_WORLD);
  EXPECT_FALSE(std::filesystem::exists(output + ".tmp"));
  if (Root()) {
    hid_t file = H5Fopen(output.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    hid_t dataset = H5Dopen2(file, "/runs/run-0001/samples", H5P_DEFAULT);
    ASSERT_GE(dataset, 0);
    std::vector<double> samples(3 * p * (kPhaseCount + 1));
    H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, samples.data());
    for (int rep = 0; rep < 3; ++rep)
      for (int rank = 0; rank < p; ++rank)
        EXPECT_EQ(samples[(rep * p + rank) * (kPhaseCount + 1)], 1000.0 + rank);
    H5Dclose(dataset);
    char host[64] = {};
    hid_t hosts = H5Dopen2(file, "/environment/hostnames", H5P_DEFAULT);
    hid_t type = H5Dget_type(hosts);
    std::vector<char> buffer(H5Tget_size(type) * p);
    H5Dread(hosts, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data());
    std::snprintf(host, sizeof host, "%s", buffer.data() + H5Tget_size(type) * (p - 1));
    EXPECT_EQ(std::string(host), "host" + std::to_string(p - 1));
    H5Tclose(type);
    H5Dclose(hosts);
    // The checkpoint stage is described on the run, not only in its label.
    hid_t run = H5Gopen2(file, "/runs/run-0001", H5P_DEFAULT);
    EXPECT_EQ(testing_util::StringAttribute(run, "io_stage"), "hdf5");
    EXPECT_EQ(testing_util::StringAttribute(run, "io_layout"), "shared-file");
    EXPECT_EQ(testing_util::StringAttribute(run, "io_dir"), dir);
    EXPECT_EQ(testing_util::IntAttribute(run, "io_sync"), 1);
    H5Gclose(run);
    H5Fclose(file);
    std::filesystem::remove(output);
  }
}

// Last in this file: it leaves a hung thread behind on the last rank.
TEST(MpiWatchdog, SlowRunStopsAfterTheSameRepetitionOnEveryRank) {
  const int p = WorldSize();
  RunSpec spec = MakeSpec("fault", p == 1 ? "serial" : "processes", {p, 1}, 1,
                          {{"sleep_ms", 100.0}}, 50);
  spec.timeout_s = 0.35;
  std::vector<double> rows;
  Environment env = testing_util::TestEnvironment();
  env.granted_thread_level = MPI_THREAD_MULTIPLE;
  const RunOutcome r = MeasureWatched(spec, MPI_COMM_WORLD, env, rows, MeasureRun);
  int reps = r.repetitions();  // every rank's own view must agree
  MPI_Bcast(&reps, 1, MPI_INT, 0, MPI_COMM_WORLD);
  EXPECT_EQ(rows.size(), static_cast<std::size_t>(reps) * (kPhaseCount + 1));
  if (!Root()) return;
  EXPECT_EQ(r.status, RunStatus::kTimeout) << r.message;
  EXPECT_GE(r.repetitions(), 1);
  EXPECT_LT(r.repetitions(), 50);
  EXPECT_EQ(r.samples.values().size(), static_cast<std::size_t>(r.repetitions() * p) * (kPhaseCount + 1));
}

TEST(MpiWatchdog, RunHungOnTheLastRankIsAbandonedAndOnlyThatThreadLeftBehind) {
  const int p = WorldSize();
  RunSpec spec = MakeSpec("fault", p == 1 ? "serial" : "processes", {p, 1}, 1,
                          {{"mode", std::string("hang_run")}}, 3);
  spec.timeout_s = 0.3;
  spec.warmups = 1;
  std::vector<double> rows;
  Environment env = testing_util::TestEnvironment();
  env.granted_thread_level = MPI_THREAD_MULTIPLE;
  const RunOutcome r = MeasureWatched(spec, MPI_COMM_WORLD, env, rows, MeasureRun);
  EXPECT_TRUE(RunThreadsLeftBehind(MPI_COMM_WORLD));
  EXPECT_TRUE(rows.empty());
  if (!Root()) return;
  EXPECT_EQ(r.status, RunStatus::kTimeout);
  EXPECT_EQ(r.repetitions(), 0);
  EXPECT_EQ(r.ranks(), p);
  for (int rank = 0; rank < p; ++rank) {
    const std::string expected = "rank " + std::to_string(rank) + " was in warm-up 1" +
                                 (rank == p - 1 ? " (its thread is left behind)" : ";");
    EXPECT_NE(r.message.find(expected), std::string::npos) << expected << " not in " << r.message;
  }
}

}  // namespace
}  // namespace parlab
