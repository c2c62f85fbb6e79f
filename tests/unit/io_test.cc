#include <gtest/gtest.h>

#include <dirent.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "core/kernel.h"
#include "io/hints.h"
#include "io/overlap.h"
#include "io/progress.h"
#include "test_util.h"

namespace parlab {
namespace {

TEST(Overlap, FullyHiddenShorterActivity) {
  // compute 10, io 4, overlapped run takes 10: all 4 s of I/O were hidden.
  const Overlap o = ComputeOverlap(10, 4, 10);
  EXPECT_DOUBLE_EQ(o.hidden_s, 4);
  EXPECT_DOUBLE_EQ(o.vs_smaller, 1.0);
  EXPECT_DOUBLE_EQ(o.vs_larger, 0.4);
}

TEST(Overlap, NoOverlapAndPerfectEqualOverlap) {
  const Overlap none = ComputeOverlap(3, 2, 5);  // sequential: nothing hidden
  EXPECT_DOUBLE_EQ(none.hidden_s, 0);
  EXPECT_DOUBLE_EQ(none.vs_smaller, 0);
  EXPECT_DOUBLE_EQ(none.vs_larger, 0);
  const Overlap equal = ComputeOverlap(5, 5, 5);  // two equal halves fully overlapped
  EXPECT_DOUBLE_EQ(equal.vs_smaller, 1);
  EXPECT_DOUBLE_EQ(equal.vs_larger, 1);
  // The design's formula 1 - (t_ov - max) / min is the same as hidden / min.
  const Overlap partial = ComputeOverlap(8, 2, 9);
  EXPECT_DOUBLE_EQ(partial.vs_smaller, 1 - (9.0 - 8.0) / 2.0);
  EXPECT_DOUBLE_EQ(partial.vs_larger, 1.0 / 8.0);
}

TEST(Overlap, SlowerThanSequentialIsNegativeNotHidden) {
  EXPECT_LT(ComputeOverlap(3, 2, 6).vs_smaller, 0);  // reported as measured, not clamped
}

TEST(Hints, ParsesKeyValuePairs) {
  const auto hints = ParseHints("cb_nodes=1;romio_cb_write=enable;");
  ASSERT_EQ(hints.size(), 2u);
  EXPECT_EQ(hints[0].first, "cb_nodes");
  EXPECT_EQ(hints[0].second, "1");
  EXPECT_EQ(hints[1].second, "enable");
  EXPECT_TRUE(ParseHints("").empty());
  EXPECT_THROW(ParseHints("cb_nodes"), std::invalid_argument);
  EXPECT_THROW(ParseHints("=1"), std::invalid_argument);
}

// Values that crash or corrupt the MPI library are refused at validation (issue 13.4).
TEST(Hints, KnownHintsAreRangeChecked) {
  for (const char* bad : {"cb_nodes=0", "cb_nodes=-5", "cb_nodes=two", "cb_nodes=", "cb_buffer_size=0",
                          "striping_factor=1e3", "romio_cb_write=yes", "collective_buffering=1",
                          "cb_nodes=1;cb_nodes=2"})
    EXPECT_THROW(ParseHints(bad), std::invalid_argument) << bad;
  EXPECT_EQ(ParseHints("cb_nodes=2;romio_cb_write=disable;collective_buffering=true").size(), 3u);
  EXPECT_EQ(ParseHints("some_vendor_hint=anything").size(), 1u);  // unknown hints pass through
  EXPECT_THROW(ParseHints(std::string(300, 'k') + "=1"), std::invalid_argument);
}

TEST(OverlapCeiling, DeviceWaitHidesAlwaysCpuWorkOnlyOnIdleCores) {
  // compute 10, I/O = 2 CPU + 3 sync: with an idle core everything can hide.
  EXPECT_DOUBLE_EQ(OverlapCeiling(10, 2, 3, 1, 1), 1.0);
  // Every core computes: only the sync (3 of the 5) can hide.
  EXPECT_DOUBLE_EQ(OverlapCeiling(10, 2, 3, 0, 2), 0.6);
  // One idle core shared by two ranks for 1 s of compute: 0.5 core-seconds each.
  EXPECT_DOUBLE_EQ(OverlapCeiling(1, 2, 0, 1, 2), 0.5);
  // Compute shorter than the I/O: the compute is the shorter activity and bounds it.
  EXPECT_DOUBLE_EQ(OverlapCeiling(1, 4, 4, 0, 1), 1.0);
}

ProgressContext Level(int level, bool event_loop = false) { return {level, event_loop}; }

TEST(Progress, AutoPicksAHelperOnlyWhenTheThreadLevelAndModelAllowIt) {
  EXPECT_EQ(ResolveProgress(IoProgress::kAuto, Level(MPI_THREAD_MULTIPLE)), IoProgress::kHelper);
  EXPECT_EQ(ResolveProgress(IoProgress::kAuto, Level(MPI_THREAD_SERIALIZED)), IoProgress::kTest);
  EXPECT_EQ(ResolveProgress(IoProgress::kAuto, Level(MPI_THREAD_FUNNELED)), IoProgress::kTest);
  EXPECT_EQ(ResolveProgress(IoProgress::kAuto, Level(MPI_THREAD_MULTIPLE, true)), IoProgress::kTest);
  for (IoProgress explicit_choice : {IoProgress::kNone, IoProgress::kTest, IoProgress::kThread})
    EXPECT_EQ(ResolveProgress(explicit_choice, Level(MPI_THREAD_SINGLE)), explicit_choice);
  for (IoProgress method : {IoProgress::kAuto, IoProgress::kNone, IoProgress::kTest,
                            IoProgress::kThread, IoProgress::kHelper})
    EXPECT_EQ(ProgressRefusal(ResolveProgress(method, Level(MPI_THREAD_MULTIPLE)), Level(MPI_THREAD_MULTIPLE)), "");
}

// The io kernel's check: a helper method at too low a thread level is one line naming the
// method and the level granted; auto is accepted at any level.
TEST(Progress, TooLowAThreadLevelIsRefusedNamingMethodAndLevel) {
  const KernelInfo* io = FindKernel("io");
  ASSERT_NE(io, nullptr);
  for (const char* method : {"thread", "helper"}) {
    const RunSpec spec = testing_util::MakeSpec(
        "io", "serial", {1, 1}, 100, {{"mode", std::string("nonblocking")}, {"progress", std::string(method)}});
    const std::string refused = io->check(spec.params, {{1, 1}, false, MPI_THREAD_FUNNELED});
    EXPECT_NE(refused.find(std::string("progress = \"") + method + "\""), std::string::npos) << refused;
    EXPECT_NE(refused.find("needs MPI_THREAD_MULTIPLE"), std::string::npos) << refused;
    EXPECT_NE(refused.find("granted MPI_THREAD_FUNNELED"), std::string::npos) << refused;
    EXPECT_EQ(refused.find('\n'), std::string::npos);
    EXPECT_EQ(io->check(spec.params, {{1, 1}, false, MPI_THREAD_MULTIPLE}), "");
  }
  const RunSpec automatic = testing_util::MakeSpec("io", "serial", {1, 1}, 100, {{"mode", std::string("nonblocking")}});
  EXPECT_EQ(io->check(automatic.params, {{1, 1}, false, MPI_THREAD_SINGLE}), "");
}

// A backend that records which thread wrote and can fail.
class RecordingBackend final : public IoBackend {
 public:
  explicit RecordingBackend(std::string error) : error_(std::move(error)) {}
  std::string Write(const void*) override {
    writer = std::this_thread::get_id();
    return error_;
  }
  std::string Post(const void*) override {
    writer = std::this_thread::get_id();
    return error_;
  }
  std::string Sync() override {
    ++syncs;
    return "";
  }
  std::string ReadBack(void*) override { return ""; }
  std::thread::id writer;
  std::atomic<int> syncs{0};

 private:
  std::string error_;
};

int ThreadsOfThisProcess() {
  int count = 0;
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return -1;
  while (const dirent* entry = readdir(tasks)) count += entry->d_name[0] != '.';
  closedir(tasks);
  return count;
}

TEST(Progress, HelperWritesOffTheCallersThreadReportsItsErrorAndEndsWithItsOwner) {
  const int before = ThreadsOfThisProcess();
  const char data = 1;
  for (IoProgress method : {IoProgress::kHelper, IoProgress::kThread}) {
    RecordingBackend failing("disk on fire");
    {
      WriteProgress progress(failing, method, true);
      EXPECT_EQ(progress.Start(&data), "");  // the error surfaces when the write completes
      EXPECT_EQ(progress.Finish().error, "disk on fire");
      EXPECT_NE(failing.writer, std::this_thread::get_id());
      EXPECT_EQ(failing.syncs, 0);  // no sync after a failed write
      RecordingBackend fine("");
      WriteProgress again(fine, method, true);
      EXPECT_EQ(again.Start(&data), "");
      const WriteProgress::Finished done = again.Finish();
      EXPECT_EQ(done.error, "");
      EXPECT_EQ(fine.syncs, 1);
      EXPECT_EQ(done.sync_s, 0.0);  // synced on the helper, not on the critical path
    }
    EXPECT_EQ(ThreadsOfThisProcess(), before) << "a helper thread outlived its owner";
  }
  RecordingBackend here("");
  WriteProgress progress(here, IoProgress::kNone, false);
  EXPECT_EQ(ThreadsOfThisProcess(), before);  // no helper for a method that needs none
  EXPECT_EQ(progress.Start(&data), "");
  EXPECT_EQ(here.writer, std::this_thread::get_id());
}

}  // namespace
}  // namespace parlab
