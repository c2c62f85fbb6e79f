#include "harness/noise_floor.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace parlab {

double NoiseFloor::Resolvable() const {
  if (!ratio.covered) return std::nan("");
  return std::max(std::abs(ratio.high - 1), std::abs(1 - ratio.low));
}

std::pair<RunSpec, RunSpec> NoiseFloorPair(const std::vector<RunSpec>& runs) {
  const auto baseline = std::find_if(runs.begin(), runs.end(),
                                     [](const RunSpec& r) { return r.model_info().is_baseline(); });
  RunSpec a = baseline != runs.end() ? *baseline : runs.front();
  a.id = "noise-floor-a";
  a.interleave = true;
  a.precision = 0;
  a.max_time_s = 0;
  a.min_time_s = 0;
  a.repetitions = std::max(a.repetitions, kNoiseFloorRounds);
  a.max_repetitions = a.repetitions;
  RunSpec b = a;
  b.id = "noise-floor-b";
  return {a, b};
}

void AddNoiseFloor(const NoiseFloor& floor, const Experiment& experiment, Environment& env,
                   bool print) {
  auto& fields = env.fields;
  fields.emplace_back("noise_floor_run", floor.run);
  fields.emplace_back("noise_floor_rounds", std::to_string(floor.rounds));
  fields.emplace_back("noise_floor_ratio", fmt::format("{:.6g}", floor.ratio.estimate));
  fields.emplace_back("noise_floor_low", fmt::format("{:.6g}", floor.ratio.low));
  fields.emplace_back("noise_floor_high", fmt::format("{:.6g}", floor.ratio.high));
  const double resolvable = floor.Resolvable();
  fields.emplace_back("noise_floor_resolvable", fmt::format("{:.6g}", resolvable));
  double finest = 0;  // the smallest precision any run asks for
  for (const RunSpec& run : experiment.runs)
    if (run.precision > 0 && (finest == 0 || run.precision < finest)) finest = run.precision;
  if (finest > 0 && !(resolvable <= finest)) {
    const std::string warning = fmt::format(
        "the machine is noisy: two identical runs of {} differed by up to {:.1f} % (95 % "
        "interval of their ratio {:.3f}-{:.3f} over {} rounds), more than precision = {}; "
        "expect longer comparisons or inconclusive verdicts (see parlab check)",
        floor.run, 100 * resolvable, floor.ratio.low, floor.ratio.high, floor.rounds, finest);
    fields.emplace_back("noise_floor_warning", warning);
    if (print) fmt::print(stderr, "parlab: warning: {}\n", warning);
  }
}

}  // namespace parlab
