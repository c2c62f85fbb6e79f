// Plateaus of a working-set sweep: bandwidth against working-set size steps down at each
// cache level; each flat stretch is one level. Pure functions, so they can be tested on
// synthetic curves.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace parlab {

struct BandwidthPoint {
  double bytes = 0;  // working set of the whole scope
  double gbs = 0;    // best rate measured at that size
};

struct Plateau {
  std::size_t first = 0;  // indices into the curve, inclusive
  std::size_t last = 0;
  double from_bytes = 0;
  double to_bytes = 0;
  double gbs = 0;  // median of its points
  std::size_t points() const { return last - first + 1; }
};

struct PlateauOptions {
  // A plateau's fastest point is at most (1 + tolerance) times its slowest; levels whose
  // bandwidths differ by less than that are seen as one.
  double tolerance = 0.25;
  std::size_t min_points = 3;  // shorter flat stretches are transitions, not levels
};

// The plateaus of a curve sorted by bytes (ascending), in order. The curve is cut into
// the fewest flat pieces (ties broken by the least squared deviation of log rates);
// pieces shorter than min_points, and short pieces that fall at every step (a stretch of
// a descent), are dropped; neighbours whose medians lie within half the tolerance are
// joined (an outlier had split them).
std::vector<Plateau> DetectPlateaus(std::span<const BandwidthPoint> curve,
                                    const PlateauOptions& options = {});

enum class MemoryLevel { kL1, kL2, kL3, kL4, kDram };
inline constexpr MemoryLevel kMemoryLevels[] = {MemoryLevel::kL1, MemoryLevel::kL2,
                                                MemoryLevel::kL3, MemoryLevel::kL4,
                                                MemoryLevel::kDram};
const char* MemoryLevelName(MemoryLevel level);  // "L1" ... "L4", "DRAM"

struct LevelPlateau {
  MemoryLevel level = MemoryLevel::kDram;
  double capacity_bytes = 0;  // what the scope's workers hold at that level (0: DRAM)
  bool found = false;
  Plateau plateau;
};

// Names the plateaus: a plateau belongs to the innermost level whose capacity holds its
// largest working set (allowing it to run half the capacity past it), or to DRAM beyond
// the last. `capacities` are ascending, one per cache level from L1 (at most four). When
// two plateaus fall in one level, the one with more points is kept. Returns one entry per
// cache level, then DRAM.
std::vector<LevelPlateau> LabelPlateaus(const std::vector<Plateau>& plateaus,
                                        const std::vector<double>& capacities);

// The bandwidth a found level stands for, and the rule that chose it (for the ceiling's
// method). A cache level: the best inner point of its plateau (each point's best trial
// can only be slowed by the machine's other work; the two edge points may still be partly
// the neighbour level's). DRAM: the best point of at least 4x the last cache's capacity
// (the scope's), or the plateau's largest point when it has none, as STREAM asks: the
// plateau past the last cache slopes down while the cache's replacement keeps part of a
// working set a few times its size (measured: points at 1-2x a 260 MiB L3 were 7-24 %
// faster than at 4x).
struct PlateauCeiling {
  double gbs = 0;
  std::string rule;
};
PlateauCeiling CeilingOfPlateau(std::span<const BandwidthPoint> curve, const LevelPlateau& level,
                                double last_cache_bytes);

}  // namespace parlab
