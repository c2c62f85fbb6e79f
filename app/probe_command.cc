#include "app/probe_command.h"

#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <vector>

#include "core/collective.h"
#include "core/files.h"
#include "core/mpi_util.h"
#include "machine/probe.h"

namespace parlab {
namespace {

std::string Age(double seconds) {
  if (seconds < 120) return fmt::format("{:.0f} s", seconds);
  if (seconds < 7200) return fmt::format("{:.0f} min", seconds / 60);
  if (seconds < 172800) return fmt::format("{:.1f} h", seconds / 3600);
  return fmt::format("{:.1f} days", seconds / 86400);
}

// Cell text; unavailable ceilings get a footnote number, one per distinct reason.
class Notes {
 public:
  std::string Cell(const Ceiling& c, const char* format = "{:.1f}") {
    if (c.available) return fmt::format(fmt::runtime(format), c.value);
    auto [it, added] = numbers_.try_emplace(c.reason, static_cast<int>(numbers_.size()) + 1);
    if (added) reasons_.push_back(c.reason);
    return fmt::format("- [{}]", it->second);
  }
  void Print() const {
    for (std::size_t i = 0; i < reasons_.size(); ++i)
      fmt::print("  [{}] {}\n", i + 1, reasons_[i]);
  }

 private:
  std::map<std::string, int> numbers_;
  std::vector<std::string> reasons_;
};

std::string ScopeHeader(const ScopeCeilings& s) {
  switch (s.scope) {
    case ProbeScope::kThread: return "1 thread";
    case ProbeScope::kRank: return fmt::format("rank: {} thr", s.workers);
    case ProbeScope::kNode:
      return s.workers > 0 ? fmt::format("node: {} ranks", s.workers) : "node: ranks";
  }
  return "";
}

std::string CacheLabel(const Ceilings& c, MemoryLevel level) {
  const auto index = static_cast<std::size_t>(level);
  if (level == MemoryLevel::kDram || index >= c.caches.size()) return "";
  const CacheLevel& cache = c.caches[index];
  return fmt::format("({} x{})", FormatBytes(static_cast<double>(cache.bytes)), cache.instances);
}

void PrintTable(const Ceilings& c, Notes& notes) {
  fmt::print("{:<34}", "ceiling");
  for (const ScopeCeilings& s : c.scopes) fmt::print(" {:>15}", ScopeHeader(s));
  fmt::print("\n");
  const auto row = [&](const std::string& label, auto&& pick) {
    fmt::print("{:<34}", label);
    for (const ScopeCeilings& s : c.scopes) fmt::print(" {:>15}", notes.Cell(pick(s)));
    fmt::print("\n");
  };
  row("peak FP64, FMA [GFLOP/s]", [](const ScopeCeilings& s) -> const Ceiling& {
    return s.peak_fp64;
  });
  row("scalar FP64 [GFLOP/s]", [](const ScopeCeilings& s) -> const Ceiling& {
    return s.scalar_fp64;
  });
  static const Ceiling missing = Ceiling::Unavailable("GB/s", "", "not measured");
  for (AccessPattern pattern : kAccessPatterns) {
    for (MemoryLevel level : kMemoryLevels) {
      const ScopeCeilings* first = c.scopes.empty() ? nullptr : &c.scopes.front();
      const MemorySweep* sweep = first != nullptr ? first->Find(pattern) : nullptr;
      if (sweep == nullptr || sweep->Find(level) == nullptr) continue;
      row(fmt::format("{} {} {} [GB/s]", AccessPatternName(pattern), MemoryLevelName(level),
                      CacheLabel(c, level)),
          [&](const ScopeCeilings& s) -> const Ceiling& {
            const MemorySweep* m = s.Find(pattern);
            const LevelBandwidth* l = m != nullptr ? m->Find(level) : nullptr;
            return l != nullptr ? l->bandwidth : missing;
          });
    }
  }
}

void PrintHuman(const ObtainedCeilings& got, Notes& notes) {
  const Ceilings& c = got.ceilings;
  fmt::print("parlab probe: {}, {} kernels, {} rank(s) on {} node(s)\n", c.machine.Describe(),
             c.isa, c.world_size, c.nodes);
  if (got.from_cache)
    fmt::print("from the cache {}: measured {} ({} ago, in {:.1f} s); --force measures again\n",
               got.cache_path, c.measured_at, Age(got.age_seconds), c.probe_seconds);
  else
    fmt::print("measured {} in {:.1f} s{}\n", c.measured_at, c.probe_seconds,
               got.cache_path.empty() ? "" : "; cached in " + got.cache_path);
  fmt::print("caches (hwloc): {}\n\n", DescribeCacheLevels(c.caches));
  PrintTable(c, notes);
  fmt::print("\n");
  for (const MpiCeilings& m : c.mpi)
    fmt::print("MPI {:<10} latency {} us, bandwidth {} GB/s{}\n", MpiLinkName(m.link),
               notes.Cell(m.latency, "{:.2f}"), notes.Cell(m.bandwidth),
               m.partner >= 0 ? fmt::format(" (world ranks 0 and {})", m.partner) : "");
  fmt::print("storage {}: write {} GB/s buffered, {} GB/s with fsync ({} file)\n",
             c.storage.dir, notes.Cell(c.storage.buffered, "{:.2f}"),
             notes.Cell(c.storage.fsync, "{:.2f}"), FormatBytes(c.storage.file_bytes));
  notes.Print();
}

// "" when `path` ("" : none) may be written: absent or a regular file, in a directory this
// process may write into.
std::string CheckWritable(const std::string& path) {
  if (path.empty()) return "";
  if (const std::string kind = CheckReplaceable(path); !kind.empty())
    return "--roofline " + path + ": is " + kind + ", not a file parlab may replace";
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::string dir = parent.empty() ? "." : parent.string();
  if (access(dir.c_str(), W_OK | X_OK) != 0)
    return "--roofline " + path + ": cannot write into " + dir + ": " + std::strerror(errno);
  return "";
}

}  // namespace

int RunProbeCommand(MPI_Comm world, const ProbeCommandOptions& options) {
  const bool root = Rank(world) == 0;
  ProbeOptions probe;
  probe.storage_dir = options.dir;
  if (!options.json)
    probe.progress = [](const std::string& what) {
      fmt::print(stderr, "parlab probe: measuring {}\n", what);
    };
  // A roofline file that cannot be written is bad input: said before any measuring.
  std::string error = root ? CheckWritable(options.roofline) : "";
  AgreeOrThrow(world, error);
  const ObtainedCeilings got = ObtainCeilings(world, probe, options.cache, options.force);
  if (root && !options.roofline.empty()) {
    const ScopeCeilings* widest = got.ceilings.Widest();
    error = WriteFileAtomically(
        options.roofline,
        RooflineJson(got.ceilings, widest != nullptr ? widest->scope : ProbeScope::kThread)
                .dump(2) + "\n");
  }
  AgreeOrThrow(world, error);
  if (!root) return 0;
  for (const std::string& warning : got.warnings)
    fmt::print(stderr, "parlab: warning: {}\n", warning);
  if (options.json) {
    nlohmann::json document = ToJson(got.ceilings);
    document["source"] = {{"from_cache", got.from_cache}, {"cache_path", got.cache_path},
                          {"age_seconds", got.age_seconds}};
    fmt::print("{}\n", document.dump(2));
    return 0;
  }
  Notes notes;
  PrintHuman(got, notes);
  return 0;
}

}  // namespace parlab
