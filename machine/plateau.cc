#include "machine/plateau.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>

#include "machine/cache_levels.h"

namespace parlab {
namespace {

double Median(std::span<const BandwidthPoint> points) {
  std::vector<double> values;
  for (const BandwidthPoint& p : points) values.push_back(p.gbs);
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

Plateau MakePlateau(std::span<const BandwidthPoint> curve, std::size_t first,
                    std::size_t last) {
  Plateau p;
  p.first = first;
  p.last = last;
  p.from_bytes = curve[first].bytes;
  p.to_bytes = curve[last].bytes;
  p.gbs = Median(curve.subspan(first, last - first + 1));
  return p;
}

struct Cost {
  std::size_t pieces = 0;
  double deviation = 0;
  bool operator<(const Cost& other) const {
    return pieces != other.pieces ? pieces < other.pieces : deviation < other.deviation;
  }
};

// Piece boundaries (index of each piece's first point) of the fewest-pieces segmentation.
std::vector<std::size_t> Segment(const std::vector<double>& logs, double max_log_spread) {
  const std::size_t n = logs.size();
  const Cost infinite{std::numeric_limits<std::size_t>::max(), 0};
  std::vector<Cost> best(n + 1, infinite);  // best[j]: points [0, j) cut into pieces
  std::vector<std::size_t> start(n + 1, 0);
  best[0] = {0, 0};
  for (std::size_t j = 1; j <= n; ++j) {
    double lo = logs[j - 1], hi = logs[j - 1], sum = 0, sum_sq = 0;
    for (std::size_t i = j; i-- > 0;) {  // the last piece is [i, j)
      lo = std::min(lo, logs[i]);
      hi = std::max(hi, logs[i]);
      if (hi - lo > max_log_spread) break;
      sum += logs[i];
      sum_sq += logs[i] * logs[i];
      const double count = static_cast<double>(j - i);
      const Cost cost{best[i].pieces + 1, best[i].deviation + sum_sq - sum * sum / count};
      if (cost < best[j]) {
        best[j] = cost;
        start[j] = i;
      }
    }
  }
  std::vector<std::size_t> firsts;
  for (std::size_t j = n; j > 0; j = start[j]) firsts.push_back(start[j]);
  std::reverse(firsts.begin(), firsts.end());
  return firsts;
}

// A short piece falling at every step, by more than half the tolerance overall, is a
// stretch of the descent from one level to the next, not a level.
bool IsRamp(std::span<const BandwidthPoint> curve, std::size_t first, std::size_t last,
            double tolerance) {
  if (last - first + 1 >= 5) return false;
  for (std::size_t i = first; i < last; ++i)
    if (curve[i + 1].gbs >= curve[i].gbs) return false;
  return curve[first].gbs > (1 + tolerance / 2) * curve[last].gbs;
}

}  // namespace

std::vector<Plateau> DetectPlateaus(std::span<const BandwidthPoint> curve,
                                    const PlateauOptions& options) {
  std::vector<double> logs;
  for (const BandwidthPoint& p : curve) {
    if (!(p.gbs > 0) || !std::isfinite(p.gbs))
      throw std::invalid_argument("DetectPlateaus: rates must be positive and finite");
    logs.push_back(std::log(p.gbs));
  }
  for (std::size_t i = 1; i < curve.size(); ++i)
    if (!(curve[i].bytes > curve[i - 1].bytes))
      throw std::invalid_argument("DetectPlateaus: sizes must be strictly ascending");
  if (curve.empty()) return {};
  const std::vector<std::size_t> firsts = Segment(logs, std::log1p(options.tolerance));
  std::vector<Plateau> plateaus;
  for (std::size_t k = 0; k < firsts.size(); ++k) {
    const std::size_t last = (k + 1 < firsts.size() ? firsts[k + 1] : curve.size()) - 1;
    if (last - firsts[k] + 1 < std::max<std::size_t>(1, options.min_points) ||
        IsRamp(curve, firsts[k], last, options.tolerance))
      continue;
    Plateau next = MakePlateau(curve, firsts[k], last);
    if (!plateaus.empty()) {
      Plateau& previous = plateaus.back();
      const double ratio = std::max(previous.gbs, next.gbs) / std::min(previous.gbs, next.gbs);
      if (ratio <= 1 + options.tolerance / 2) {
        previous = MakePlateau(curve, previous.first, last);
        continue;
      }
    }
    plateaus.push_back(next);
  }
  return plateaus;
}

// A level's plateau may run a little past its capacity: the last sizes before the drop
// still hit for most of their lines.
constexpr double kOverhang = 1.5;

const char* MemoryLevelName(MemoryLevel level) {
  switch (level) {
    case MemoryLevel::kL1: return "L1";
    case MemoryLevel::kL2: return "L2";
    case MemoryLevel::kL3: return "L3";
    case MemoryLevel::kL4: return "L4";
    case MemoryLevel::kDram: return "DRAM";
  }
  return "unknown";
}

std::vector<LevelPlateau> LabelPlateaus(const std::vector<Plateau>& plateaus,
                                        const std::vector<double>& capacities) {
  const std::size_t caches = std::min<std::size_t>(capacities.size(), 4);
  std::vector<LevelPlateau> levels(caches + 1);
  for (std::size_t k = 0; k < caches; ++k) {
    levels[k].level = kMemoryLevels[k];
    levels[k].capacity_bytes = capacities[k];
  }
  levels[caches].level = MemoryLevel::kDram;
  for (const Plateau& p : plateaus) {
    std::size_t k = 0;
    while (k < caches && p.to_bytes > kOverhang * capacities[k]) ++k;
    LevelPlateau& slot = levels[k];
    const bool better = !slot.found || p.points() > slot.plateau.points() ||
                        (p.points() == slot.plateau.points() && p.gbs > slot.plateau.gbs);
    if (better) {
      slot.found = true;
      slot.plateau = p;
    }
  }
  return levels;
}

PlateauCeiling CeilingOfPlateau(std::span<const BandwidthPoint> curve, const LevelPlateau& level,
                                double last_cache_bytes) {
  const std::size_t first = level.plateau.first, last = level.plateau.last;
  std::size_t from = first, to = last;
  PlateauCeiling out{0, "best inner point"};
  if (level.level == MemoryLevel::kDram && last_cache_bytes > 0) {
    const double large = std::min(4 * last_cache_bytes, curve[last].bytes);
    while (from < last && curve[from].bytes < large) ++from;
    out.rule = fmt::format("best point of >= {} (4x the last cache, or the largest)",
                           FormatBytes(large));
  } else if (last - first >= 2) {
    ++from;
    --to;
  }
  for (std::size_t i = from; i <= to; ++i) out.gbs = std::max(out.gbs, curve[i].gbs);
  return out;
}

}  // namespace parlab
