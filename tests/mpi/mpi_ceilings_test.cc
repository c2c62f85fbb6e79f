// The probe under MPI: every rank sees the same ceilings; parts that cannot run (one rank,
// one node, an unwritable directory) are unavailable with the reason; the cache is
// written by one rank and read back by all.
#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/collective.h"
#include "core/h5.h"
#include "core/mpi_util.h"
#include "machine/ceilings_cache.h"
#include "machine/probe.h"
#include "report/hdf5_ceilings.h"

namespace parlab {
namespace {

namespace fs = std::filesystem;

// A fresh directory made by rank 0, its name on every rank; removed at the end.
class SharedTempDir {
 public:
  SharedTempDir() {
    std::string name;
    if (Rank(MPI_COMM_WORLD) == 0) {
      char pattern[] = "/tmp/parlab-mpi-ceilings-XXXXXX";
      if (mkdtemp(pattern) != nullptr) name = pattern;
    }
    path_ = BroadcastString(MPI_COMM_WORLD, name);
  }
  ~SharedTempDir() {
    MPI_Barrier(MPI_COMM_WORLD);
    if (Rank(MPI_COMM_WORLD) == 0 && !path_.empty()) fs::remove_all(path_);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// True on every rank when all ranks passed the same text.
bool SameOnEveryRank(const std::string& mine) {
  const auto all = AllGatherStrings(MPI_COMM_WORLD, mine);
  for (const std::string& other : all)
    if (other != all.front()) return false;
  return true;
}

int RanksOnMyNode() {
  const auto leaders = NodeLeaders(MPI_COMM_WORLD);
  return static_cast<int>(std::count(leaders.begin(), leaders.end(), leaders[0]));
}

TEST(MpiCeilings, EveryRankSeesTheSameCeilings) {
  const SharedTempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const Ceilings c = MeasureCeilings(MPI_COMM_WORLD, ProbeOptions::Quick(dir.path()));
  EXPECT_TRUE(SameOnEveryRank(ToJson(c).dump()));
  const int size = Size(MPI_COMM_WORLD);
  EXPECT_EQ(c.world_size, size);
  EXPECT_EQ(c.ranks_on_node, RanksOnMyNode());
  ASSERT_EQ(c.scopes.size(), 3u);
  const ScopeCeilings* thread = c.Find(ProbeScope::kThread);
  ASSERT_NE(thread, nullptr);
  EXPECT_TRUE(thread->scalar_fp64.available) << thread->scalar_fp64.reason;
  EXPECT_GT(thread->scalar_fp64.value, 0);
  // The node scope runs with 2+ ranks on rank 0's node, and says why not otherwise.
  const ScopeCeilings* node = c.Find(ProbeScope::kNode);
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->scalar_fp64.available, c.ranks_on_node >= 2) << node->scalar_fp64.reason;
  if (c.ranks_on_node < 2) EXPECT_NE(node->scalar_fp64.reason.find("only rank"), std::string::npos);
  if (c.ranks_on_node >= 2) EXPECT_GE(node->workers, 2);
  // MPI: a same-node partner exists from 2 ranks on; this test runs on one node.
  const MpiCeilings* same = c.Find(MpiLink::kSameNode);
  const MpiCeilings* other = c.Find(MpiLink::kOtherNode);
  ASSERT_NE(same, nullptr);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(same->latency.available, c.ranks_on_node >= 2) << same->latency.reason;
  if (same->latency.available) {
    EXPECT_GT(same->latency.value, 0);
    EXPECT_GT(same->bandwidth.value, 0);
  }
  if (c.nodes == 1) {
    EXPECT_FALSE(other->bandwidth.available);
    EXPECT_FALSE(other->bandwidth.reason.empty());
  }
  EXPECT_TRUE(c.storage.buffered.available) << c.storage.buffered.reason;
}

TEST(MpiCeilings, AnUnwritableDirectoryIsRecordedNotFatal) {
  const SharedTempDir dir;
  const std::string missing = dir.path() + "/does/not/exist";
  const Ceilings c = MeasureCeilings(MPI_COMM_WORLD, ProbeOptions::Quick(missing));
  EXPECT_TRUE(SameOnEveryRank(ToJson(c).dump()));
  EXPECT_FALSE(c.storage.buffered.available);
  EXPECT_FALSE(c.storage.fsync.available);
  EXPECT_NE(c.storage.fsync.reason.find(missing), std::string::npos) << c.storage.fsync.reason;
  EXPECT_EQ(c.storage.dir, missing);
  // The rest of the probe went on.
  EXPECT_TRUE(c.Find(ProbeScope::kThread)->scalar_fp64.available);
}

TEST(MpiCeilings, CacheIsWrittenOnceAndReadBackByAll) {
  const SharedTempDir dir;
  const std::string cache = dir.path() + "/cache/ceilings.json";
  const ProbeOptions options = ProbeOptions::Quick(dir.path());
  const ObtainedCeilings first = ObtainCeilings(MPI_COMM_WORLD, options, cache, false);
  EXPECT_FALSE(first.from_cache);
  EXPECT_TRUE(first.warnings.empty()) << first.warnings.front();
  const ObtainedCeilings second = ObtainCeilings(MPI_COMM_WORLD, options, cache, false);
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(ToJson(second.ceilings), ToJson(first.ceilings));
  EXPECT_TRUE(SameOnEveryRank(ToJson(second.ceilings).dump()));
  EXPECT_GE(second.age_seconds, 0);
  // Another I/O directory: only storage is measured again, for it.
  const std::string other_dir = dir.path() + "/cache";
  const ObtainedCeilings moved =
      ObtainCeilings(MPI_COMM_WORLD, ProbeOptions::Quick(other_dir), cache, false);
  EXPECT_TRUE(moved.from_cache);
  EXPECT_EQ(moved.ceilings.storage.dir, other_dir);
  EXPECT_TRUE(moved.ceilings.storage.buffered.available) << moved.ceilings.storage.buffered.reason;
  EXPECT_EQ(ToJson(moved.ceilings)["scopes"], ToJson(first.ceilings)["scopes"]);
  EXPECT_TRUE(SameOnEveryRank(ToJson(moved.ceilings).dump()));
  // parlab run keeps the cached storage of the other directory: nothing is measured.
  ProbeOptions keep = ProbeOptions::Quick(dir.path() + "/elsewhere");
  keep.keep_cached_storage = true;
  const ObtainedCeilings kept = ObtainCeilings(MPI_COMM_WORLD, keep, cache, false);
  EXPECT_EQ(kept.source, CeilingsSource::kCached);
  EXPECT_EQ(ToJson(kept.ceilings), ToJson(moved.ceilings));
  const ObtainedCeilings forced = ObtainCeilings(MPI_COMM_WORLD, options, cache, true);
  EXPECT_FALSE(forced.from_cache);
  // A corrupt cache: a warning on rank 0, a fresh measurement on every rank.
  if (Rank(MPI_COMM_WORLD) == 0) {
    FILE* f = std::fopen(cache.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("{ broken", f);
    std::fclose(f);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const ObtainedCeilings repaired = ObtainCeilings(MPI_COMM_WORLD, options, cache, false);
  EXPECT_FALSE(repaired.from_cache);
  if (Rank(MPI_COMM_WORLD) == 0) {
    ASSERT_EQ(repaired.warnings.size(), 1u);
    EXPECT_NE(repaired.warnings[0].find("not valid JSON"), std::string::npos);
  }
  EXPECT_TRUE(ObtainCeilings(MPI_COMM_WORLD, options, cache, false).from_cache);
  // A cache of another machine (same file, other core count): ignored, measured again.
  Ceilings foreign = repaired.ceilings;
  foreign.machine.cores += 64;
  if (Rank(MPI_COMM_WORLD) == 0) ASSERT_EQ(SaveCeilingsCache(cache, foreign), "");
  MPI_Barrier(MPI_COMM_WORLD);
  const ObtainedCeilings remeasured = ObtainCeilings(MPI_COMM_WORLD, options, cache, false);
  EXPECT_EQ(remeasured.source, CeilingsSource::kMeasured);
  EXPECT_EQ(remeasured.ceilings.machine, ThisMachineKey());
  EXPECT_TRUE(SameOnEveryRank(ToJson(remeasured.ceilings).dump()));
  if (Rank(MPI_COMM_WORLD) == 0) {
    ASSERT_EQ(remeasured.warnings.size(), 1u);
    EXPECT_NE(remeasured.warnings[0].find("measured on"), std::string::npos)
        << remeasured.warnings[0];
  }
}

// The text of a scalar string dataset, read by this rank alone.
std::string ReadText(hid_t file, const char* path) {
  h5::Handle dataset(H5Dopen2(file, path, H5P_DEFAULT), H5Dclose);
  if (dataset.get() < 0) return "";
  h5::Handle type(H5Dget_type(dataset), H5Tclose);
  std::string text(H5Tget_size(type), '\0');
  if (H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()) < 0) return "";
  return text.substr(0, text.find('\0'));
}

double ReadNumber(hid_t file, const char* path) {
  h5::Handle dataset(H5Dopen2(file, path, H5P_DEFAULT), H5Dclose);
  double value = -1;
  if (dataset.get() < 0 ||
      H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value) < 0)
    return -1;
  return value;
}

TEST(MpiCeilings, TheReportHoldsTheSameCeilingsForEveryRank) {
  const SharedTempDir dir;
  const std::string cache = dir.path() + "/ceilings.json";
  ProbeOptions options = ProbeOptions::Quick(dir.path());
  const ObtainedCeilings got = ObtainCeilings(MPI_COMM_WORLD, options, cache, false);
  const std::string path = dir.path() + "/report.h5";
  {
    h5::Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    H5Pset_fapl_mpio(access, MPI_COMM_WORLD, MPI_INFO_NULL);
    h5::Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access), H5Fclose);
    ASSERT_GE(file.get(), 0);
    h5::Handle environment = h5::CreateGroup(file, "environment");
    WriteCeilingsGroup(environment, got, Rank(MPI_COMM_WORLD) == 0);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  // Every rank reads the file on its own: the document is the ceilings it holds itself.
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  ASSERT_GE(file.get(), 0);
  const std::string document = ReadText(file, "/environment/ceilings/document");
  EXPECT_EQ(document, ToJson(got.ceilings).dump());
  EXPECT_TRUE(SameOnEveryRank(document));
  const ScopeCeilings* widest = got.ceilings.Widest();
  ASSERT_NE(widest, nullptr);
  EXPECT_EQ(ReadNumber(file, "/environment/ceilings/compute/FP64_scalar"),
            widest->scalar_fp64.value);
  EXPECT_EQ(ReadNumber(file, "/environment/ceilings/probe/scope/thread/scalar_fp64"),
            got.ceilings.Find(ProbeScope::kThread)->scalar_fp64.value);
  MPI_Barrier(MPI_COMM_WORLD);
}

TEST(MpiCeilings, ACpuWithoutFmaHasNoPeakButTheRestIsMeasured) {
  const SharedTempDir dir;
  ProbeOptions options = ProbeOptions::Quick(dir.path());
  options.isa = SimdIsa::kScalar;  // what a CPU without FMA units gets
  const Ceilings c = MeasureCeilings(MPI_COMM_WORLD, options);
  EXPECT_TRUE(SameOnEveryRank(ToJson(c).dump()));
  EXPECT_EQ(c.isa, "scalar");
  for (const ScopeCeilings& scope : c.scopes) {
    if (scope.workers == 0) continue;  // the node scope of a one-rank launch
    EXPECT_FALSE(scope.peak_fp64.available) << ProbeScopeName(scope.scope);
    EXPECT_NE(scope.peak_fp64.reason.find("no FMA"), std::string::npos) << scope.peak_fp64.reason;
    EXPECT_TRUE(scope.scalar_fp64.available) << scope.scalar_fp64.reason;
    EXPECT_FALSE(scope.memory.empty());
  }
}

}  // namespace
}  // namespace parlab
