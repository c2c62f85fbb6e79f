// The compute and memory ceilings of one probe scope (one thread, a rank's threads, a
// node's ranks), measured through a ScopeRunner.
#pragma once

#include <vector>

#include "machine/cache_levels.h"
#include "machine/ceilings.h"
#include "machine/plateau.h"
#include "machine/scope_runner.h"
#include "machine/simd_kernels.h"

namespace parlab {

struct ScopeSettings {
  SimdIsa isa = SimdIsa::kScalar;
  double warm_up_seconds = 0.2;  // busy work on every worker before measuring
  int compute_trials = 7;
  double compute_min_seconds = 0.005;
  int memory_trials = 5;
  double memory_min_seconds = 0.002;
  double max_working_set = 1 << 30;  // bytes of the whole scope at the sweep's end
  double min_worker_bytes = 4096;    // per worker at the sweep's start
  int points_per_octave = 2;
  std::vector<CacheLevel> caches;
  std::string caches_unknown;  // why `caches` is empty (hwloc failed), for the sweeps' method
  PlateauOptions plateaus;
  // Seconds the whole scope should take (0: no limit). A sweep running late measures its
  // remaining points with one shorter trial each (and says so in its method).
  double budget_seconds = 0;
};

// Collective over the runner's node for NodeRanks. Failures (memory that cannot be
// allocated, say) become unavailable ceilings with the reason.
ScopeCeilings MeasureScope(ProbeScope scope, const ScopeRunner& runner,
                           const ScopeSettings& settings);

// Every ceiling of a scope unavailable, for `reason`.
ScopeCeilings UnavailableScope(ProbeScope scope, const std::string& reason,
                               const std::vector<CacheLevel>& caches);

// Per-worker working sets of the sweep: geometric from min_worker_bytes to
// max_working_set / workers, multiples of 3 * 64 doubles (one triad block per array),
// strictly ascending, the last one the largest that fits.
std::vector<double> SweepWorkerBytes(const ScopeSettings& settings, int workers);

}  // namespace parlab
