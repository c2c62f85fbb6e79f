// The data (or unified) caches of this machine as hwloc sees them: the sizes shown beside
// the bandwidth plateaus, and what decides which plateau is which level.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace parlab {

struct CacheLevel {
  int level = 0;             // 1 for L1d, ...
  std::uint64_t bytes = 0;   // one instance
  int instances = 0;         // how many of them the machine has
  // What `workers` threads or ranks spread over distinct cores hold at this level.
  double CapacityFor(int workers) const;
};

// Innermost first. On failure: empty, and `error` (if given) says why.
std::vector<CacheLevel> ReadCacheLevels(std::string* error = nullptr);

// "L1 48 KiB x2, L2 2 MiB x2, L3 105 MiB x1"
std::string DescribeCacheLevels(const std::vector<CacheLevel>& levels);
// 49152 -> "48 KiB"
std::string FormatBytes(double bytes);

}  // namespace parlab
