#include "machine/cache_levels.h"

#include <fmt/format.h>
#include <hwloc.h>

#include <algorithm>
#include <cmath>

#include "machine/hwloc_handle.h"

namespace parlab {

double CacheLevel::CapacityFor(int workers) const {
  return static_cast<double>(bytes) * std::max(1, std::min(workers, instances));
}

std::vector<CacheLevel> ReadCacheLevels(std::string* error) {
  HwlocTopology topology;
  try {
    topology = NewHwlocTopology();
  } catch (const std::runtime_error&) {
    // init failed: reported below, like a topology that does not load
  }
  if (topology == nullptr || hwloc_topology_load(topology.get()) != 0) {
    if (error != nullptr) *error = "hwloc could not load this machine's topology";
    return {};
  }
  const hwloc_obj_type_t types[] = {HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE,
                                    HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE};
  std::vector<CacheLevel> levels;
  for (hwloc_obj_type_t type : types) {
    const int count = hwloc_get_nbobjs_by_type(topology.get(), type);
    if (count <= 0) continue;
    const hwloc_obj_t first = hwloc_get_obj_by_type(topology.get(), type, 0);
    if (first == nullptr || first->attr == nullptr || first->attr->cache.size == 0) continue;
    levels.push_back({static_cast<int>(first->attr->cache.depth),
                      static_cast<std::uint64_t>(first->attr->cache.size), count});
  }
  if (levels.empty() && error != nullptr) *error = "hwloc reports no data caches";
  return levels;
}

std::string FormatBytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  const bool whole = std::abs(bytes - std::round(bytes)) < 0.05;
  return whole ? fmt::format("{:.0f} {}", bytes, units[unit])
               : fmt::format("{:.1f} {}", bytes, units[unit]);
}

std::string DescribeCacheLevels(const std::vector<CacheLevel>& levels) {
  std::string text;
  for (const CacheLevel& c : levels)
    text += fmt::format("{}L{} {} x{}", text.empty() ? "" : ", ", c.level,
                        FormatBytes(static_cast<double>(c.bytes)), c.instances);
  return text.empty() ? "unknown" : text;
}

}  // namespace parlab
