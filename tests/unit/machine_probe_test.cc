// The probe's parts on this machine: ISA dispatch, the kernels' results, the scratch file
// of the storage probe, and a quick probe of one scope.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "core/aligned_buffer.h"
#include "machine/scope_probe.h"
#include "machine/simd_kernels.h"
#include "machine/storage_probe.h"

namespace parlab {
namespace {

namespace fs = std::filesystem;

std::set<std::string> CpuinfoFlags() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::set<std::string> flags;
    for (std::string w; words >> w;) flags.insert(w);
    return flags;
  }
  return {};
}

TEST(SimdDispatch, PicksTheWidestIsaTheCpuReports) {
  const std::set<std::string> flags = CpuinfoFlags();
  ASSERT_FALSE(flags.empty()) << "no flags line in /proc/cpuinfo";
  SimdIsa expected = SimdIsa::kScalar;
  if (flags.count("avx512f"))
    expected = SimdIsa::kAvx512;
  else if (flags.count("avx2") && flags.count("fma"))
    expected = SimdIsa::kAvx2Fma;
  EXPECT_EQ(BestSimdIsa(), expected) << SimdIsaName(BestSimdIsa());
  EXPECT_TRUE(CpuSupports(BestSimdIsa()));
  EXPECT_TRUE(CpuSupports(SimdIsa::kScalar));
  EXPECT_EQ(CpuHasFma(), flags.count("fma") == 1);
}

std::vector<SimdIsa> SupportedIsas() {
  std::vector<SimdIsa> isas;
  for (SimdIsa isa : {SimdIsa::kAvx512, SimdIsa::kAvx2Fma, SimdIsa::kScalar})
    if (CpuSupports(isa)) isas.push_back(isa);
  return isas;
}

TEST(SimdKernels, FmaChainsConvergeToOnePerLane) {
  for (SimdIsa isa : SupportedIsas()) {
    // acc = acc * 0.999999 + 1e-6 tends to 1: every lane of every chain ends near 1.
    const double lanes = FmaChainCount(isa) * SimdLanes(isa);
    EXPECT_NEAR(FmaChains(isa, 30'000'000), lanes, 1e-3 * lanes) << SimdIsaName(isa);
    EXPECT_EQ(FmaFlopsPerIteration(isa), 2 * lanes);
  }
  for (bool fma : {false, CpuHasFma()})
    EXPECT_NEAR(ScalarChains(fma, 30'000'000), 12, 12e-3);
}

TEST(SimdKernels, ReadAndTriadComputeWhatTheySay) {
  const std::size_t n = 5 * kSimdBlock;
  AlignedBuffer<double> a(n), b(n), c(n);
  double expected_sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    b[i] = static_cast<double>(i % 17);
    c[i] = 0.5 * static_cast<double>(i % 5);
    expected_sum += b[i];
  }
  for (SimdIsa isa : SupportedIsas()) {
    EXPECT_EQ(ReadSum(isa, b.data(), n), expected_sum) << SimdIsaName(isa);
    EXPECT_EQ(ReadSum(isa, b.data(), n, 3), 3 * expected_sum) << SimdIsaName(isa);
    std::fill(a.data(), a.data() + n, -1.0);
    Triad(isa, a.data(), b.data(), c.data(), 3.0, n, 2);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(a[i], b[i] + 3.0 * c[i]) << SimdIsaName(isa);
  }
}

class ScratchDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/parlab-storage-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  long Entries() const {
    return std::distance(fs::directory_iterator(dir_), fs::directory_iterator());
  }
  std::string dir_;
};

TEST_F(ScratchDir, ScratchFilesAreNewUnpredictableAndRemoved) {
  std::string first, second;
  {
    const ScratchFile a(dir_), b(dir_);
    first = a.path();
    second = b.path();
    EXPECT_NE(first, second);
    EXPECT_TRUE(fs::is_regular_file(first));
    EXPECT_EQ(Entries(), 2);
    EXPECT_EQ(fs::status(first).permissions() & fs::perms::all, fs::perms::owner_read |
                                                                   fs::perms::owner_write);
  }
  EXPECT_EQ(Entries(), 0);
  try {  // removed on the exception path too
    const ScratchFile c(dir_);
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(Entries(), 0);
}

TEST_F(ScratchDir, StorageIsMeasuredAndLeavesNothing) {
  const StorageCeilings s = MeasureStorage(dir_, {1 << 20, 1 << 16, 2});
  ASSERT_TRUE(s.buffered.available) << s.buffered.reason;
  ASSERT_TRUE(s.fsync.available) << s.fsync.reason;
  EXPECT_GT(s.buffered.value, 0);
  EXPECT_EQ(s.buffered.trials.size(), 2u);
  EXPECT_EQ(s.buffered.unit, "GB/s");
  EXPECT_EQ(Entries(), 0);
}

TEST_F(ScratchDir, UnwritableDirectoriesAreUnavailableWithTheReason) {
  const StorageCeilings missing = MeasureStorage(dir_ + "/nope", {1 << 16, 1 << 16, 1});
  EXPECT_FALSE(missing.buffered.available);
  EXPECT_FALSE(missing.fsync.available);
  EXPECT_NE(missing.fsync.reason.find(dir_ + "/nope"), std::string::npos);
  EXPECT_NE(missing.fsync.reason.find("No such file"), std::string::npos) << missing.fsync.reason;
  std::ofstream(dir_ + "/plain") << "x";
  const StorageCeilings file = MeasureStorage(dir_ + "/plain", {1 << 16, 1 << 16, 1});
  EXPECT_NE(file.buffered.reason.find("Not a directory"), std::string::npos)
      << file.buffered.reason;
  // /proc takes no new files, not even from root.
  EXPECT_FALSE(MeasureStorage("/proc", {1 << 16, 1 << 16, 1}).buffered.available);
}

TEST(ScopeProbe, QuickThreadScopeMeasuresEveryCeiling) {
  ScopeSettings s;
  s.isa = BestSimdIsa();
  s.warm_up_seconds = 0.01;
  s.compute_trials = 2;
  s.compute_min_seconds = 0.001;
  s.memory_trials = 1;
  s.memory_min_seconds = 0.0005;
  s.max_working_set = 1 << 20;
  s.caches = {{1, 32768, 1}};
  const ScopeCeilings c = MeasureScope(ProbeScope::kThread, ScopeRunner::Threads(1), s);
  EXPECT_EQ(c.workers, 1);
  EXPECT_EQ(c.peak_fp64.available, s.isa != SimdIsa::kScalar) << c.peak_fp64.reason;
  EXPECT_EQ(c.peak_fp64.trials.size(), 2u);
  ASSERT_TRUE(c.scalar_fp64.available);
  EXPECT_GT(c.scalar_fp64.value, 0);
  ASSERT_EQ(c.memory.size(), 2u);
  for (const MemorySweep& sweep : c.memory) {
    EXPECT_EQ(sweep.points.size(), SweepWorkerBytes(s, 1).size());
    for (const BandwidthPoint& p : sweep.points) EXPECT_GT(p.gbs, 0);
    ASSERT_EQ(sweep.levels.size(), 2u);  // L1, then DRAM
    for (const LevelBandwidth& l : sweep.levels)
      EXPECT_TRUE(l.bandwidth.available || !l.bandwidth.reason.empty());
  }
}

}  // namespace
}  // namespace parlab
