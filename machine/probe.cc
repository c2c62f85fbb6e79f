#include "machine/probe.h"

#include <fmt/format.h>
#include <sys/sysinfo.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "core/clock.h"
#include "core/collective.h"
#include "core/meminfo.h"
#include "core/mpi_util.h"
#include "machine/ceilings_cache.h"
#include "machine/scope_probe.h"

namespace parlab {
namespace {

std::string UtcText(std::time_t when) {
  std::tm utc{};
  gmtime_r(&when, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

// Far enough past the last cache that DRAM has a plateau; within what the node can spare.
double AutoMaxWorkingSet(const std::vector<CacheLevel>& caches) {
  double last_level = 0;
  if (!caches.empty())
    last_level = static_cast<double>(caches.back().bytes) * caches.back().instances;
  double bytes = std::max(double(1 << 30), 4 * last_level);
  const double available = MemAvailableBytes();
  if (available > 0) bytes = std::min(bytes, available / 4);
  return std::max(bytes, double(16 << 20));
}

// The directory as an absolute, normalised path (it need not exist), so that the same
// directory compares equal however it was named.
std::string AbsoluteDir(const std::string& dir) {
  std::error_code error;
  const std::filesystem::path path = std::filesystem::weakly_canonical(
      std::filesystem::absolute(dir.empty() ? "." : dir, error), error);
  return error ? dir : path.string();
}

ScopeSettings SettingsFrom(const ProbeOptions& o, std::vector<CacheLevel> caches,
                           double max_working_set) {
  ScopeSettings s;
  // SimdIsa is ordered widest first: the narrower of the CPU's and the one asked for.
  s.isa = o.isa ? std::max(*o.isa, BestSimdIsa()) : BestSimdIsa();
  s.compute_trials = o.compute_trials;
  s.compute_min_seconds = o.compute_min_seconds;
  s.memory_trials = o.memory_trials;
  s.memory_min_seconds = o.memory_min_seconds;
  s.max_working_set = max_working_set;
  s.min_worker_bytes = o.min_worker_bytes;
  s.points_per_octave = o.points_per_octave;
  s.warm_up_seconds = o.warm_up_seconds;
  s.caches = std::move(caches);
  return s;
}

// The node scope on every node at once (world rank 0's is kept), or why it cannot run.
ScopeCeilings MeasureNodeScope(MPI_Comm world, int ranks_on_root_node,
                               const ScopeSettings& settings) {
  if (ranks_on_root_node < 2)
    return UnavailableScope(ProbeScope::kNode,
                            "world rank 0 is the only rank on its node: launch one rank per "
                            "core (mpirun -n <cores> parlab probe) to measure a node's ranks",
                            settings.caches);
  MPI_Comm raw = MPI_COMM_NULL;
  MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, Rank(world), MPI_INFO_NULL, &raw);
  const CommHandle node(raw);
  int workers = std::min(Size(node.get()), get_nprocs());
  MPI_Allreduce(MPI_IN_PLACE, &workers, 1, MPI_INT, MPI_MIN, node.get());
  return MeasureScope(ProbeScope::kNode, ScopeRunner::NodeRanks(node.get(), workers), settings);
}

}  // namespace

ProbeOptions ProbeOptions::Quick(std::string storage_dir) {
  ProbeOptions o;
  o.storage_dir = std::move(storage_dir);
  o.warm_up_seconds = 0.01;
  o.compute_trials = 2;
  o.compute_min_seconds = 0.001;
  o.memory_trials = 1;
  o.memory_min_seconds = 0.0005;
  o.max_working_set = 1 << 20;
  o.points_per_octave = 1;
  o.budget_seconds = 0;
  o.mpi = {2, 20, 2, 1u << 16};
  o.storage = {1u << 20, 1u << 18, 1};
  return o;
}

Ceilings MeasureCeilings(MPI_Comm world, const ProbeOptions& options) {
  const double start = NowSeconds();
  const std::time_t started = std::time(nullptr);
  const bool root = Rank(world) == 0;
  const auto say = [&](const std::string& what) {
    if (root && options.progress) options.progress(fmt::format("{} (at {:.1f} s)", what, NowSeconds() - start));
  };
  const std::vector<int> leaders = NodeLeaders(world);
  const auto on_root_node =
      static_cast<int>(std::count(leaders.begin(), leaders.end(), leaders[0]));
  std::vector<int> distinct = leaders;
  std::sort(distinct.begin(), distinct.end());
  const auto nodes = static_cast<int>(
      std::unique(distinct.begin(), distinct.end()) - distinct.begin());

  std::string cache_error;
  std::vector<CacheLevel> caches = ReadCacheLevels(&cache_error);
  double max_working_set = options.max_working_set > 0 ? options.max_working_set
                                                       : AutoMaxWorkingSet(caches);
  MPI_Bcast(&max_working_set, 1, MPI_DOUBLE, 0, world);  // one sweep plan for every node
  ScopeSettings settings = SettingsFrom(options, caches, max_working_set);
  settings.caches_unknown = cache_error;
  // Most of the budget goes to the scopes, evenly; MPI and storage take about a second.
  const int scopes = on_root_node >= 2 ? 3 : 2;
  settings.budget_seconds =
      options.budget_seconds > 0 ? std::max(1.0, 0.92 * options.budget_seconds - 1) / scopes : 0;

  Ceilings c;
  if (root) {
    say("1 thread: peak FP64, memory sweep");
    c.scopes.push_back(MeasureScope(ProbeScope::kThread, ScopeRunner::Threads(1), settings));
    const int cpus = std::max<int>(1, static_cast<int>(AllowedCpus().size()));
    say(fmt::format("{} threads of one rank: peak FP64, memory sweep", cpus));
    c.scopes.push_back(MeasureScope(ProbeScope::kRank, ScopeRunner::Threads(cpus), settings));
    say(fmt::format("{} ranks of one node: peak FP64, memory sweep", on_root_node));
  }
  IdleBarrier(world);
  ScopeCeilings node = MeasureNodeScope(world, on_root_node, settings);
  if (root) c.scopes.push_back(std::move(node));
  IdleBarrier(world);
  say("MPI latency and bandwidth");
  c.mpi = MeasureMpi(world, leaders, options.mpi);
  if (root) {
    const std::string dir = AbsoluteDir(options.storage_dir);
    say("storage write bandwidth of " + dir);
    c.storage = MeasureStorage(dir, options.storage);
    c.machine = ThisMachineKey();
    c.isa = SimdIsaName(settings.isa);
    c.measured_at = UtcText(started);
    c.measured_unix = static_cast<std::int64_t>(started);
    c.world_size = Size(world);
    c.nodes = nodes;
    c.ranks_on_node = on_root_node;
    c.caches = caches;
    c.probe_seconds = NowSeconds() - start;
  }
  IdleBarrier(world);
  // Every rank (rank 0 too) takes the same parsed document: identical views.
  const std::string text = BroadcastString(world, root ? ToJson(c).dump() : std::string());
  return CeilingsFromJson(nlohmann::json::parse(text));
}

namespace {

ObtainedCeilings ObtainFromCacheOrMeasure(MPI_Comm world, const ProbeOptions& options,
                                          std::string cache_path, bool force) {
  ObtainedCeilings out;
  const bool root = Rank(world) == 0;
  out.cache_path = cache_path.empty() ? DefaultCeilingsCachePath(ThisMachineKey().host)
                                      : std::move(cache_path);
  std::string cached;
  double age = 0;
  if (root && !force && !out.cache_path.empty()) {
    CachedCeilings found = LoadCeilingsCache(out.cache_path, ThisMachineKey(),
                                             static_cast<std::int64_t>(std::time(nullptr)));
    if (!found.warning.empty()) out.warnings.push_back(found.warning);
    if (found.ceilings) {
      // Storage belongs to a directory: another one is measured now (a second or so), the
      // rest is kept, and the cache is updated.
      const std::string dir = AbsoluteDir(options.storage_dir);
      if (found.ceilings->storage.dir != dir && !options.keep_cached_storage) {
        found.ceilings->storage = MeasureStorage(dir, options.storage);
        const std::string error = SaveCeilingsCache(out.cache_path, *found.ceilings);
        if (!error.empty()) out.warnings.push_back("cannot write the ceilings cache: " + error);
      }
      cached = ToJson(*found.ceilings).dump();
      age = found.age_seconds;
    }
  }
  cached = BroadcastString(world, cached);
  MPI_Bcast(&age, 1, MPI_DOUBLE, 0, world);
  if (!cached.empty()) {
    out.ceilings = CeilingsFromJson(nlohmann::json::parse(cached));
    out.from_cache = true;
    out.source = CeilingsSource::kCached;
    out.age_seconds = age;
    return out;
  }
  out.ceilings = MeasureCeilings(world, options);
  out.source = CeilingsSource::kMeasured;
  if (root && out.cache_path.empty())
    out.warnings.push_back("no place for the ceilings cache (HOME, XDG_CACHE_HOME and "
                           "PARLAB_CEILINGS_CACHE are unset): they will be measured again");
  if (root && !out.cache_path.empty()) {
    const std::string error = SaveCeilingsCache(out.cache_path, out.ceilings);
    if (!error.empty()) out.warnings.push_back("cannot write the ceilings cache: " + error);
  }
  return out;
}

}  // namespace

ObtainedCeilings ObtainCeilings(MPI_Comm world, const ProbeOptions& options,
                                std::string cache_path, bool force) {
  const double start = NowSeconds();
  ObtainedCeilings out = ObtainFromCacheOrMeasure(world, options, std::move(cache_path), force);
  double seconds = NowSeconds() - start;
  MPI_Bcast(&seconds, 1, MPI_DOUBLE, 0, world);
  out.seconds = seconds;
  return out;
}

}  // namespace parlab
