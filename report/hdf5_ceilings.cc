#include "report/hdf5_ceilings.h"

#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "core/h5.h"
#include "harness/environment.h"

namespace parlab {
namespace {

// Creates the groups of slash-separated paths below one root, each once.
class GroupTree {
 public:
  explicit GroupTree(hid_t root) : root_(root) {}
  hid_t At(const std::string& path) {
    if (path.empty()) return root_;
    if (const auto it = groups_.find(path); it != groups_.end()) return it->second.get();
    const std::size_t slash = path.rfind('/');
    const hid_t parent = At(slash == std::string::npos ? "" : path.substr(0, slash));
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    return groups_.emplace(path, h5::CreateGroup(parent, name)).first->second.get();
  }

 private:
  hid_t root_;
  std::map<std::string, h5::Handle> groups_;
};

void WriteNumber(hid_t parent, const std::string& name, double value, const std::string& units,
                 const std::string& description, const std::string& method, bool root) {
  h5::Handle dataset =
      h5::CreateDataset(parent, name, H5T_NATIVE_DOUBLE, {}, units, description);
  h5::SetAttribute(dataset, "method", method);
  h5::WriteFrom(root, dataset, H5T_NATIVE_DOUBLE, &value);
}

void WriteText(hid_t parent, const std::string& name, const std::string& text,
               const std::string& description, bool root) {
  h5::Handle type = h5::StringType({text});
  h5::Handle dataset = h5::CreateDataset(parent, name, type, {}, "1", description);
  const std::vector<char> packed = h5::PackStrings({text}, H5Tget_size(type));
  h5::WriteFrom(root, dataset, type, packed.data());
}

std::string Describe(const std::string& path) {
  if (path.find("latency") != std::string::npos)
    return "half round trip of an 8-byte message, best of the trials (" + path + ")";
  if (path.find("fp64") != std::string::npos)
    return "FP64 rate of the probe's kernel, best of the trials (" + path + ")";
  return "bandwidth, best of the trials or of the level's plateau (" + path + ")";
}

// The roofs the analysis (roofline, "% of peak") reads, named as docs/report.md says: each
// from the widest scope that measured it (node, else rank, else thread; a shared machine
// can leave a wide scope's plateau undetected), its description naming the scope.
void WriteRoofs(GroupTree& tree, const Ceilings& c, bool root) {
  std::vector<const ScopeCeilings*> widest_first;
  for (ProbeScope scope : {ProbeScope::kNode, ProbeScope::kRank, ProbeScope::kThread})
    if (const ScopeCeilings* s = c.Find(scope); s != nullptr && s->workers > 0)
      widest_first.push_back(s);
  const auto write = [&](const char* family, const std::string& name, const std::string& what,
                         auto&& pick) {
    for (const ScopeCeilings* s : widest_first) {
      const Ceiling* ceiling = pick(*s);
      if (ceiling == nullptr || !ceiling->available) continue;
      WriteNumber(tree.At(family), name, ceiling->value, ceiling->unit,
                  fmt::format("{}, {} scope ({} worker(s))", what, ProbeScopeName(s->scope),
                              s->workers),
                  ceiling->method, root);
      return;
    }
  };
  write("compute", "FP64_peak", "peak FP64 rate (FMA, " + c.isa + ")",
        [](const ScopeCeilings& s) { return &s.peak_fp64; });
  write("compute", "FP64_scalar", "FP64 rate, one double per instruction",
        [](const ScopeCeilings& s) { return &s.scalar_fp64; });
  for (MemoryLevel level : kMemoryLevels)
    write("bandwidth", MemoryLevelName(level),
          std::string("triad bandwidth from ") + MemoryLevelName(level),
          [level](const ScopeCeilings& s) -> const Ceiling* {
            const MemorySweep* triad = s.Find(AccessPattern::kTriad);
            const LevelBandwidth* l = triad != nullptr ? triad->Find(level) : nullptr;
            return l != nullptr ? &l->bandwidth : nullptr;
          });
}

std::string Source(const ObtainedCeilings& got) {
  const Ceilings& c = got.ceilings;
  std::string source = fmt::format("parlab probe {} on {}, measured {}", ParlabVersion(),
                                   c.machine.Describe(), c.measured_at);
  if (got.from_cache)
    source += fmt::format(", from the cache {} ({:.0f} s old)", got.cache_path, got.age_seconds);
  return source;
}

void WriteMeasured(hid_t group, const ObtainedCeilings& got, bool root) {
  const Ceilings& c = got.ceilings;
  h5::SetAttribute(group, "source", Source(got));
  h5::SetAttribute(group, "measured_utc", c.measured_at);
  h5::SetAttribute(group, "age_s", got.age_seconds);
  h5::SetAttribute(group, "obtain_s", got.seconds);
  h5::SetAttribute(group, "cache_path", got.cache_path);
  h5::SetAttribute(group, "isa", c.isa);
  h5::SetAttribute(group, "machine", c.machine.Describe());
  h5::SetAttribute(group, "probe_seconds", c.probe_seconds);
  h5::SetAttribute(group, "probe_ranks", c.world_size);
  h5::SetAttribute(group, "caches", DescribeCacheLevels(c.caches));
  h5::SetAttribute(group, "storage_dir", c.storage.dir);
  GroupTree tree(group);
  WriteRoofs(tree, c, root);
  std::vector<std::string> unavailable;
  for (const CeilingRow& row : FlattenCeilings(c)) {
    const std::size_t slash = row.path.rfind('/');
    if (!row.ceiling->available) {
      unavailable.push_back(row.path + ": " + row.ceiling->reason);
      continue;
    }
    WriteNumber(tree.At("probe/" + row.path.substr(0, slash)), row.path.substr(slash + 1),
                row.ceiling->value, row.ceiling->unit, Describe(row.path), row.ceiling->method,
                root);
  }
  for (const ScopeCeilings& s : c.scopes) {
    const std::string base = std::string("probe/scope/") + ProbeScopeName(s.scope);
    const hid_t scope = tree.At(base);
    h5::SetAttribute(scope, "workers", s.workers);
    h5::SetAttribute(scope, "seconds", s.seconds);
    for (const MemorySweep& sweep : s.memory)  // what each cache level holds for the scope
      for (const LevelBandwidth& l : sweep.levels)
        if (l.bandwidth.available && l.capacity_bytes > 0)
          h5::SetAttribute(tree.At(fmt::format("{}/memory/{}/{}", base,
                                               AccessPatternName(sweep.pattern),
                                               MemoryLevelName(l.level))),
                           "capacity_bytes", l.capacity_bytes);
  }
  h5::SetAttribute(group, "unavailable", unavailable);
  WriteText(group, "document", ToJson(c).dump(),
            "the probe's full result as JSON (every trial and sweep point, the cache file's "
            "format): every ceiling above is recomputable from it", root);
}

}  // namespace

void WriteCeilingsGroup(hid_t environment, const ObtainedCeilings& got, bool root) {
  h5::Handle group = h5::CreateGroup(environment, "ceilings");
  h5::SetAttribute(group, "status", kCeilingsSourceNames.Name(got.source));
  h5::SetAttribute(group, "kind", "empirical");
  h5::SetAttribute(
      group, "description",
      "this machine's ceilings (parlab probe, docs/probe.md): compute/ and bandwidth/ hold the "
      "roofs of the widest scope (FP64 GFLOP/s, triad GB/s per memory level); probe/ every "
      "ceiling per scope (thread: 1 thread; rank: one rank's threads; node: a node's ranks), "
      "MPI and storage; unavailable lists those that could not be measured, with the reason");
  if (got.source == CeilingsSource::kDisabled) {
    h5::SetAttribute(group, "reason", got.disabled_reason);
    return;
  }
  WriteMeasured(group, got, root);
}

}  // namespace parlab
