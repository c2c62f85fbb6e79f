#include "machine/scope_probe.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <string>

#include "core/aligned_buffer.h"
#include "core/clock.h"

namespace parlab {
namespace {

constexpr long long kFmaIterationsPerRepetition = 1000;
constexpr double kGranuleBytes = 3.0 * kSimdBlock * sizeof(double);
volatile double g_sink = 0;  // results of the kernels end here, so none is optimised away
// The triad's arrays are laid out a, b, c in one buffer, b and c shifted by one and three
// cache lines: never a multiple of 4 KiB apart, whose aliasing stalls loads behind stores.
constexpr std::size_t kPadB = 8, kPadC = 24;

double Best(const std::vector<double>& rates) {
  return rates.empty() ? 0 : *std::max_element(rates.begin(), rates.end());
}

Ceiling Measured(std::vector<double> trials, std::string unit, std::string method) {
  Ceiling c;
  c.available = !trials.empty();
  c.value = Best(trials);
  c.unit = std::move(unit);
  c.method = std::move(method);
  c.trials = std::move(trials);
  return c;
}

std::string TrialsText(int trials, double min_seconds) {
  return fmt::format("best of {} trials of >= {:g} ms", trials, min_seconds * 1e3);
}

// Busy work on every worker first: a CPU that sat idle (a sleeping rank, an idle vCPU the
// hypervisor descheduled, a core at low clock) takes tens of ms to come up to speed.
void WarmUp(const ScopeRunner& runner, SimdIsa isa, double seconds) {
  runner.Run([&](int, long long) {
    const double end = NowSeconds() + seconds;
    double sink = 0;
    while (NowSeconds() < end) sink += FmaChains(isa, 10000);
    g_sink = g_sink + sink;
  }, 1);
}

Ceiling MeasurePeak(const ScopeRunner& runner, const ScopeSettings& s) {
  const std::string method = DescribeFmaKernel(s.isa) + ", " +
                             TrialsText(s.compute_trials, s.compute_min_seconds);
  if (s.isa == SimdIsa::kScalar)
    return Ceiling::Unavailable(
        "GFLOP/s", method,
        BestSimdIsa() == SimdIsa::kScalar
            ? "this CPU has no FMA unit (cpuid: neither avx512f nor avx2+fma), so no FMA "
              "kernel can run; scalar_fp64 is its roof"
            : "no FMA kernel: the probe was limited to scalar instructions");
  std::vector<double> sinks(static_cast<std::size_t>(runner.workers()) * 8, 0.0);
  const WorkerBody body = [&](int w, long long reps) {
    sinks[w * 8] += FmaChains(s.isa, reps * kFmaIterationsPerRepetition);
  };
  const double work = FmaFlopsPerIteration(s.isa) * kFmaIterationsPerRepetition *
                      runner.workers();
  auto rates = TimeTrials(runner, body, work, s.compute_trials, s.compute_min_seconds);
  for (double v : sinks) g_sink = g_sink + v;
  return Measured(std::move(rates), "GFLOP/s", method);
}

Ceiling MeasureScalar(const ScopeRunner& runner, const ScopeSettings& s) {
  const bool fma = CpuHasFma();
  const std::string method = fmt::format(
      "12 independent scalar {} chains (one double per instruction), {}",
      fma ? "FMA" : "multiply + add", TrialsText(s.compute_trials, s.compute_min_seconds));
  std::vector<double> sinks(static_cast<std::size_t>(runner.workers()) * 8, 0.0);
  const WorkerBody body = [&](int w, long long reps) {
    sinks[w * 8] += ScalarChains(fma, reps * kFmaIterationsPerRepetition);
  };
  const double work = ScalarFlopsPerIteration() * kFmaIterationsPerRepetition *
                      runner.workers();
  auto rates = TimeTrials(runner, body, work, s.compute_trials, s.compute_min_seconds);
  for (double v : sinks) g_sink = g_sink + v;
  return Measured(std::move(rates), "GFLOP/s", method);
}

std::vector<LevelBandwidth> Levels(const MemorySweep& sweep, int workers,
                                   const ScopeSettings& s, const std::string& method) {
  std::vector<double> capacities;
  for (const CacheLevel& c : s.caches) capacities.push_back(c.CapacityFor(workers));
  const auto labelled = LabelPlateaus(DetectPlateaus(sweep.points, s.plateaus), capacities);
  std::vector<LevelBandwidth> levels;
  for (const LevelPlateau& l : labelled) {
    LevelBandwidth level{l.level, l.capacity_bytes, 0, 0, {}};
    if (!l.found) {
      const std::string where = l.level == MemoryLevel::kDram
          ? fmt::format("beyond the last cache (the sweep ends at {})",
                        FormatBytes(sweep.points.empty() ? 0 : sweep.points.back().bytes))
          : fmt::format("in {} ({} for {} worker(s))", MemoryLevelName(l.level),
                        FormatBytes(l.capacity_bytes), workers);
      level.bandwidth = Ceiling::Unavailable(
          "GB/s", method, "the sweep has no plateau " + where);
    } else {
      std::vector<double> points;
      for (std::size_t i = l.plateau.first; i <= l.plateau.last; ++i)
        points.push_back(sweep.points[i].gbs);
      level.from_bytes = l.plateau.from_bytes;
      level.to_bytes = l.plateau.to_bytes;
      const PlateauCeiling best = CeilingOfPlateau(
          sweep.points, l, capacities.empty() ? 0 : capacities.back());
      level.bandwidth = Measured(std::move(points), "GB/s",
                                 fmt::format("{} of the {} sweep points of the plateau {}..{}; "
                                             "{}", best.rule, l.plateau.points(),
                                             FormatBytes(l.plateau.from_bytes),
                                             FormatBytes(l.plateau.to_bytes), method));
      level.bandwidth.value = best.gbs;
    }
    levels.push_back(std::move(level));
  }
  return levels;
}

// Seconds the points from `next` on would take at `gbs` (bandwidth only falls with size).
double RemainingSeconds(const std::vector<double>& worker_bytes, std::size_t next, int workers,
                        double gbs, int trials, double min_seconds) {
  double total = 0;
  for (std::size_t i = next; i < worker_bytes.size(); ++i)
    total += (trials + 1) * std::max(min_seconds, worker_bytes[i] * workers / (gbs * 1e9));
  return total;
}

MemorySweep MeasureSweep(AccessPattern pattern, const ScopeRunner& runner,
                         const ScopeSettings& s, std::vector<AlignedBuffer<double>>& buffers,
                         const std::vector<double>& worker_bytes, double budget) {
  MemorySweep sweep;
  sweep.pattern = pattern;
  const int workers = runner.workers();
  std::vector<double> sinks(static_cast<std::size_t>(workers) * 8, 0.0);
  long long repetitions = 0;
  double previous_bytes = 0;
  const double start = runner.spent();
  int hurried = 0;
  for (std::size_t point = 0; point < worker_bytes.size(); ++point) {
    const double bytes = worker_bytes[point];
    if (repetitions > 0)  // about as long as at the previous size
      repetitions = std::max(1LL, static_cast<long long>(static_cast<double>(repetitions) *
                                                         previous_bytes / bytes));
    previous_bytes = bytes;
    const auto elements = static_cast<std::size_t>(bytes / sizeof(double));
    const std::size_t third = elements / 3;
    const WorkerBody body = [&](int w, long long reps) {
      double* base = buffers[w].data();
      if (pattern == AccessPattern::kRead)
        sinks[w * 8] += ReadSum(s.isa, base, elements, reps);
      else
        Triad(s.isa, base, base + third + kPadB, base + 2 * third + kPadC, 3.0, third, reps);
    };
    // Decided from runner-agreed figures only, so every rank of a node decides alike.
    const bool hurry = budget > 0 && !sweep.points.empty() &&
                       runner.spent() - start +
                               RemainingSeconds(worker_bytes, point, workers,
                                                sweep.points.back().gbs, s.memory_trials,
                                                s.memory_min_seconds) > budget;
    hurried += hurry ? 1 : 0;
    // Many short trials: one of them likely runs between two preemptions of a shared
    // machine. A point whose single pass is long (DRAM) needs fewer.
    const double pass_seconds =
        sweep.points.empty() ? 0 : bytes * workers / (sweep.points.back().gbs * 1e9);
    int trials = pass_seconds > 5 * s.memory_min_seconds ? std::min(3, s.memory_trials)
                                                         : s.memory_trials;
    if (hurry) trials = 1;
    const double counted = pattern == AccessPattern::kRead ? bytes
                                                           : 24.0 * static_cast<double>(third);
    const auto rates = TimeTrials(runner, body, counted * workers, trials,
                                  hurry ? s.memory_min_seconds / 2 : s.memory_min_seconds,
                                  &repetitions);
    sweep.points.push_back({bytes * workers, Best(rates)});
  }
  for (double v : sinks) g_sink = g_sink + v;
  std::string method = fmt::format(
      "{} {} kernel ({}), {} worker(s), each point the {} (at most 3 where one pass "
      "takes over {:g} ms)", SimdIsaName(s.isa), AccessPatternName(pattern),
      pattern == AccessPattern::kRead ? "sum, 8 bytes per element"
                                      : "a = b + s*c, 24 bytes per element as STREAM counts",
      workers, TrialsText(s.memory_trials, s.memory_min_seconds), 5e3 * s.memory_min_seconds);
  if (s.caches.empty())
    method += "; no cache sizes, so every plateau is DRAM" +
              (s.caches_unknown.empty() ? std::string() : " (" + s.caches_unknown + ")");
  if (hurried > 0)
    method += fmt::format(" ({} of {} points: one trial of >= {:g} ms, to stay within the "
                          "probe's time budget)", hurried, worker_bytes.size(),
                          s.memory_min_seconds * 500);
  sweep.levels = Levels(sweep, workers, s, method);
  return sweep;
}

std::vector<MemorySweep> MeasureMemory(const ScopeRunner& runner, const ScopeSettings& s) {
  const std::vector<double> worker_bytes = SweepWorkerBytes(s, runner.workers());
  const auto elements = static_cast<std::size_t>(worker_bytes.back() / sizeof(double));
  std::vector<AlignedBuffer<double>> buffers(static_cast<std::size_t>(runner.workers()));
  std::vector<std::string> errors(buffers.size());
  runner.Run([&](int w, long long) {  // each worker allocates and first-touches its own
    try {
      buffers[w] = AlignedBuffer<double>(elements + kPadC);
      std::fill(buffers[w].data(), buffers[w].data() + elements + kPadC, 1.0);
    } catch (const std::exception& e) {
      errors[w] = fmt::format("worker {}: {}", w, e.what());
    }
  }, 1);
  std::string error;
  for (const std::string& e : errors)
    if (error.empty()) error = e;
  runner.Agree(error);
  std::vector<MemorySweep> sweeps;
  // What is left of the scope's budget, shared by the sweeps still to come.
  const std::size_t patterns = std::size(kAccessPatterns);
  for (std::size_t k = 0; k < patterns; ++k) {
    const double left = s.budget_seconds - runner.spent();
    const double share = s.budget_seconds > 0
                             ? std::max(1e-3, left / static_cast<double>(patterns - k))
                             : 0.0;
    sweeps.push_back(MeasureSweep(kAccessPatterns[k], runner, s, buffers, worker_bytes, share));
  }
  return sweeps;
}

}  // namespace

std::vector<double> SweepWorkerBytes(const ScopeSettings& s, int workers) {
  const double largest =
      std::max(1.0, std::floor(s.max_working_set / std::max(1, workers) / kGranuleBytes)) *
      kGranuleBytes;
  std::vector<double> sizes;
  for (int k = 0;; ++k) {
    const double wanted = s.min_worker_bytes * std::exp2(static_cast<double>(k) /
                                                         std::max(1, s.points_per_octave));
    if (wanted >= largest) break;
    const double rounded = std::max(1.0, std::round(wanted / kGranuleBytes)) * kGranuleBytes;
    if (sizes.empty() || rounded > sizes.back()) sizes.push_back(rounded);
  }
  if (sizes.empty() || largest > sizes.back()) sizes.push_back(largest);
  return sizes;
}

ScopeCeilings UnavailableScope(ProbeScope scope, const std::string& reason,
                               const std::vector<CacheLevel>& caches) {
  ScopeCeilings out;
  out.scope = scope;
  out.peak_fp64 = Ceiling::Unavailable("GFLOP/s", "FMA micro-kernel", reason);
  out.scalar_fp64 = Ceiling::Unavailable("GFLOP/s", "scalar multiply-add chains", reason);
  for (AccessPattern pattern : kAccessPatterns) {
    MemorySweep sweep;
    sweep.pattern = pattern;
    std::vector<MemoryLevel> names;
    for (std::size_t k = 0; k < std::min<std::size_t>(caches.size(), 4); ++k)
      names.push_back(kMemoryLevels[k]);
    names.push_back(MemoryLevel::kDram);
    for (MemoryLevel level : names)
      sweep.levels.push_back({level, 0, 0, 0,
                              Ceiling::Unavailable("GB/s", "working-set sweep", reason)});
    out.memory.push_back(std::move(sweep));
  }
  return out;
}

ScopeCeilings MeasureScope(ProbeScope scope, const ScopeRunner& runner,
                           const ScopeSettings& settings) {
  try {
    const double start = NowSeconds();
    ScopeCeilings out;
    out.scope = scope;
    out.workers = runner.workers();
    WarmUp(runner, settings.isa, settings.warm_up_seconds);
    out.peak_fp64 = MeasurePeak(runner, settings);
    out.scalar_fp64 = MeasureScalar(runner, settings);
    out.memory = MeasureMemory(runner, settings);
    out.seconds = NowSeconds() - start;
    return out;
  } catch (const std::exception& e) {
    return UnavailableScope(scope, std::string("the probe failed: ") + e.what(), settings.caches);
  }
}

}  // namespace parlab
