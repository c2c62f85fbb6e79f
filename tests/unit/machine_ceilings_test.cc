// The Ceilings value: JSON round trip, ERT export, and the cache file's defences.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "machine/ceilings.h"
#include "machine/ceilings_cache.h"

namespace parlab {
namespace {

namespace fs = std::filesystem;

Ceiling Value(double value, const char* unit) {
  return {true, value, unit, std::string("method of ") + unit, {value * 0.9, value}, ""};
}

Ceilings Sample() {
  Ceilings c;
  c.machine = {"node17", "Some CPU @ 2.0GHz", 2};
  c.isa = "avx512f";
  c.measured_at = "2024-05-01T10:00:00Z";
  c.measured_unix = 1714557600;
  c.probe_seconds = 12.5;
  c.world_size = 2;
  c.nodes = 1;
  c.ranks_on_node = 2;
  c.caches = {{1, 49152, 2}, {2, 2 << 20, 2}, {3, 105u << 20, 1}};
  for (ProbeScope scope : kProbeScopes) {
    ScopeCeilings s;
    s.scope = scope;
    s.workers = scope == ProbeScope::kThread ? 1 : 2;
    s.seconds = 4.25;
    s.peak_fp64 = Value(60.25 * s.workers, "GFLOP/s");
    s.scalar_fp64 = scope == ProbeScope::kNode
                        ? Ceiling::Unavailable("GFLOP/s", "scalar", "a reason")
                        : Value(7.5, "GFLOP/s");
    for (AccessPattern pattern : kAccessPatterns) {
      MemorySweep sweep;
      sweep.pattern = pattern;
      sweep.points = {{4096, 190.5}, {8192, 200.125}, {1 << 30, 9.75}};
      sweep.levels = {{MemoryLevel::kL1, 49152, 4096, 8192, Value(195, "GB/s")},
                      {MemoryLevel::kDram, 0, 0, 0,
                       Ceiling::Unavailable("GB/s", "sweep", "no plateau")}};
      s.memory.push_back(sweep);
    }
    c.scopes.push_back(s);
  }
  c.mpi = {{MpiLink::kSameNode, 1, Value(0.45, "us"), Value(11.5, "GB/s")},
           {MpiLink::kOtherNode, -1, Ceiling::Unavailable("us", "ping-pong", "one node"),
            Ceiling::Unavailable("GB/s", "ping-pong", "one node")}};
  c.storage = {"/scratch", 1 << 26, Value(2.5, "GB/s"), Value(0.75, "GB/s")};
  return c;
}

TEST(CeilingsJson, RoundTripKeepsEveryField) {
  const Ceilings original = Sample();
  const nlohmann::json first = ToJson(original);
  const Ceilings back = CeilingsFromJson(nlohmann::json::parse(first.dump()));
  EXPECT_EQ(ToJson(back), first);
  EXPECT_EQ(back.machine, original.machine);
  ASSERT_EQ(back.scopes.size(), 3u);
  EXPECT_EQ(back.scopes[2].scope, ProbeScope::kNode);
  EXPECT_FALSE(back.scopes[2].scalar_fp64.available);
  EXPECT_EQ(back.scopes[2].scalar_fp64.reason, "a reason");
  EXPECT_EQ(back.scopes[1].peak_fp64.value, 120.5);
  EXPECT_EQ(back.scopes[0].Find(AccessPattern::kTriad)->points[1].gbs, 200.125);
  EXPECT_EQ(back.Find(MpiLink::kOtherNode)->latency.reason, "one node");
  EXPECT_EQ(back.storage.fsync.trials, original.storage.fsync.trials);
  EXPECT_EQ(back.caches[2].bytes, 105u << 20);
}

TEST(CeilingsJson, RejectsWhatItDidNotWrite) {
  const nlohmann::json good = ToJson(Sample());
  auto expect_rejected = [](nlohmann::json j) {
    EXPECT_THROW(CeilingsFromJson(j), CeilingsFormatError) << j.dump().substr(0, 80);
  };
  nlohmann::json j = good;
  j["format"] = "something else";
  expect_rejected(j);
  j = good;
  j["version"] = kCeilingsFormatVersion + 1;
  expect_rejected(j);
  j = good;
  j.erase("storage");
  expect_rejected(j);
  j = good;
  j["scopes"][0]["scope"] = "galaxy";
  expect_rejected(j);
  j = good;
  j["scopes"][0]["peak_fp64"]["value"] = "fast";
  expect_rejected(j);
  expect_rejected(nlohmann::json::array());
}

TEST(CeilingsJson, RooflineHasErtLayout) {
  const Ceilings c = Sample();
  const nlohmann::json roof = RooflineJson(c, ProbeScope::kRank, AccessPattern::kTriad);
  const auto& gflops = roof.at("empirical").at("gflops").at("data");
  ASSERT_EQ(gflops.size(), 2u);
  EXPECT_EQ(gflops[0][1].get<double>(), 120.5);
  const auto& gbytes = roof.at("empirical").at("gbytes").at("data");
  ASSERT_EQ(gbytes.size(), 1u);  // DRAM had no plateau
  EXPECT_EQ(gbytes[0][0], "L1");
  EXPECT_EQ(gbytes[0][1].get<double>(), 195);
  EXPECT_EQ(roof.at("empirical").at("metadata").at("SCOPE"), "rank");
  EXPECT_TRUE(roof.at("spec").at("gflops").at("data").empty());
  EXPECT_EQ(c.Widest()->scope, ProbeScope::kNode);
}

TEST(CeilingsJson, BandwidthForPicksTheLevelHoldingTheWorkingSet) {
  const Ceilings c = Sample();
  const ScopeCeilings& thread = *c.Find(ProbeScope::kThread);
  const LevelBandwidth* small = BandwidthFor(thread, AccessPattern::kTriad, 32 * 1024);
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(small->level, MemoryLevel::kL1);
  EXPECT_EQ(small->bandwidth.value, 195);
  const LevelBandwidth* large = BandwidthFor(thread, AccessPattern::kTriad, 1e9);
  ASSERT_NE(large, nullptr);
  EXPECT_EQ(large->level, MemoryLevel::kDram);
  EXPECT_FALSE(large->bandwidth.available);  // the sample's DRAM had no plateau
  ScopeCeilings empty;
  EXPECT_EQ(BandwidthFor(empty, AccessPattern::kRead, 1), nullptr);
}

TEST(CeilingsJson, FlattenNamesEveryCeilingOnce) {
  const Ceilings c = Sample();
  const auto rows = FlattenCeilings(c);
  std::set<std::string> paths;
  for (const CeilingRow& row : rows) EXPECT_TRUE(paths.insert(row.path).second) << row.path;
  // 3 scopes x (2 compute + 2 patterns x 2 levels) + 2 links x 2 + 2 storage
  EXPECT_EQ(rows.size(), 3u * 6 + 4 + 2);
  EXPECT_TRUE(paths.count("scope/node/memory/triad/L1/bandwidth"));
  EXPECT_TRUE(paths.count("mpi/same_node/latency"));
}

class CeilingsCache : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/parlab-cache-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/ceilings.json";
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }
  CachedCeilings Load(const std::string& path) {
    return LoadCeilingsCache(path, Sample().machine, Sample().measured_unix + 3600);
  }
  std::string dir_, path_;
};

TEST_F(CeilingsCache, SavedCeilingsComeBackWithTheirAge) {
  ASSERT_EQ(SaveCeilingsCache(path_, Sample()), "");
  const CachedCeilings got = Load(path_);
  ASSERT_TRUE(got.ceilings.has_value()) << got.warning;
  EXPECT_EQ(got.warning, "");
  EXPECT_EQ(got.age_seconds, 3600);
  EXPECT_EQ(ToJson(*got.ceilings), ToJson(Sample()));
  // Atomic write: only the file itself is left, no temporary beside it.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(CeilingsCache, MissingFileIsSilent) {
  const CachedCeilings got = Load(path_);
  EXPECT_FALSE(got.ceilings.has_value());
  EXPECT_EQ(got.warning, "");
}

TEST_F(CeilingsCache, CorruptFileIsIgnoredWithAWarning) {
  Write(path_, "{\"format\": \"parlab-ceilings\", \"version\": 1, ");
  const CachedCeilings got = Load(path_);
  EXPECT_FALSE(got.ceilings.has_value());
  EXPECT_NE(got.warning.find("not valid JSON"), std::string::npos) << got.warning;
  EXPECT_NE(got.warning.find(path_), std::string::npos) << got.warning;
  Write(path_, "{\"format\": \"parlab-ceilings\", \"version\": 1}");
  EXPECT_NE(Load(path_).warning.find("not a ceilings file"), std::string::npos);
}

TEST_F(CeilingsCache, AnotherMachinesFileIsIgnored) {
  Ceilings other = Sample();
  other.machine.host = "elsewhere";
  ASSERT_EQ(SaveCeilingsCache(path_, other), "");
  CachedCeilings got = Load(path_);
  EXPECT_FALSE(got.ceilings.has_value());
  EXPECT_NE(got.warning.find("measured on host elsewhere"), std::string::npos) << got.warning;
  other = Sample();
  other.machine.cores = 64;
  ASSERT_EQ(SaveCeilingsCache(path_, other), "");
  EXPECT_NE(Load(path_).warning.find("64 cores"), std::string::npos);
}

TEST_F(CeilingsCache, SymlinkIsRefused) {
  const std::string real = dir_ + "/real.json";
  ASSERT_EQ(SaveCeilingsCache(real, Sample()), "");
  ASSERT_EQ(symlink(real.c_str(), path_.c_str()), 0);
  const CachedCeilings got = Load(path_);
  EXPECT_FALSE(got.ceilings.has_value());
  EXPECT_NE(got.warning.find("symbolic link"), std::string::npos) << got.warning;
  // Saving through the link is refused; the file it points to is left as it was.
  Ceilings changed = Sample();
  changed.isa = "avx2+fma";
  EXPECT_NE(SaveCeilingsCache(path_, changed).find("symbolic link"), std::string::npos);
  EXPECT_TRUE(fs::is_symlink(path_));
  EXPECT_EQ(Load(real).ceilings->isa, "avx512f");
}

TEST_F(CeilingsCache, TooLargeFileIsRefusedUnread) {
  std::string text = ToJson(Sample()).dump();
  text.append(kMaxCeilingsFileBytes, ' ');  // still valid JSON, just too big
  Write(path_, text);
  const CachedCeilings got = Load(path_);
  EXPECT_FALSE(got.ceilings.has_value());
  EXPECT_NE(got.warning.find("more than"), std::string::npos) << got.warning;
}

TEST_F(CeilingsCache, NonRegularFilesAreRefusedWithoutBlocking) {
  ASSERT_EQ(mkfifo(path_.c_str(), 0600), 0);  // opening a FIFO for reading would block
  EXPECT_NE(Load(path_).warning.find("not a regular file"), std::string::npos);
  EXPECT_NE(Load(dir_).warning.find("not a regular file"), std::string::npos);
}

TEST_F(CeilingsCache, SaveReportsWhatWentWrong) {
  Write(dir_ + "/plain", "x");
  const std::string error = SaveCeilingsCache(dir_ + "/plain/ceilings.json", Sample());
  EXPECT_NE(error.find("cannot create directory"), std::string::npos) << error;
  fs::create_directory(path_);  // the target is a directory: never replaced
  EXPECT_NE(SaveCeilingsCache(path_, Sample()).find("a directory"), std::string::npos);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 2)
      << "a temporary file was left behind";
}

TEST(CeilingsCachePath, DefaultsAndOverrides) {
  setenv("PARLAB_CEILINGS_CACHE", "/x/y.json", 1);
  EXPECT_EQ(DefaultCeilingsCachePath("h"), "/x/y.json");
  unsetenv("PARLAB_CEILINGS_CACHE");
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(DefaultCeilingsCachePath("a/b"), "/xdg/parlab/ceilings-a_b.json");
  unsetenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] == '/')
    EXPECT_EQ(DefaultCeilingsCachePath("h"), std::string(home) + "/.cache/parlab/ceilings-h.json");
}

}  // namespace
}  // namespace parlab
