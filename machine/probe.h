// `parlab probe`: this machine's ceilings, measured (about 15 s on a 2-core machine) or
// taken from the cache file a previous probe wrote.
#pragma once

#include <mpi.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/enum_names.h"
#include "machine/ceilings.h"
#include "machine/mpi_probe.h"
#include "machine/simd_kernels.h"
#include "machine/storage_probe.h"

namespace parlab {

struct ProbeOptions {
  std::string storage_dir = ".";  // whose write bandwidth is measured
  double warm_up_seconds = 0.2;  // per scope, busy work before measuring
  int compute_trials = 7;
  double compute_min_seconds = 0.005;
  int memory_trials = 5;
  double memory_min_seconds = 0.002;
  // Working set of a scope at the sweep's end; 0: max(1 GiB, 4 x all of the last-level
  // cache), at most a quarter of the memory available.
  double max_working_set = 0;
  double min_worker_bytes = 4096;
  int points_per_octave = 2;
  // Seconds the whole probe should take (0: no limit): each scope gets its share, and its
  // sweeps, when running late, measure their last points with one trial each.
  double budget_seconds = 24;
  MpiProbeSettings mpi;
  StorageProbeSettings storage;
  // The widest vector ISA the kernels may use (unset: the widest the CPU offers); a wider
  // one than the CPU has is not used. Tests use kScalar to stand for a CPU without FMA.
  std::optional<SimdIsa> isa;
  // A cached measurement of another directory's storage is kept as it is (recorded with
  // its directory) instead of measuring this one: what `parlab run` does, so that cached
  // ceilings cost it no measuring at all.
  bool keep_cached_storage = false;
  // Called on world rank 0 before each phase ("peak FP64, 1 thread", ...).
  std::function<void(const std::string&)> progress;

  // A probe that takes well under a second, for tests: every part runs, on small sizes.
  static ProbeOptions Quick(std::string storage_dir);
};

// Collective over world; every rank returns the same ceilings (world rank 0's, sent as
// JSON). Parts that cannot run are unavailable with the reason; this does not throw for
// them.
Ceilings MeasureCeilings(MPI_Comm world, const ProbeOptions& options);

// Where the ceilings a report carries came from.
enum class CeilingsSource { kMeasured, kCached, kDisabled };
inline constexpr EnumNames<CeilingsSource, 3> kCeilingsSourceNames{{{
    {CeilingsSource::kMeasured, "measured"},
    {CeilingsSource::kCached, "cached"},
    {CeilingsSource::kDisabled, "disabled"},
}}};

struct ObtainedCeilings {
  Ceilings ceilings;  // empty when disabled
  CeilingsSource source = CeilingsSource::kDisabled;
  std::string disabled_reason;  // why nothing was measured, when disabled
  bool from_cache = false;
  double age_seconds = 0;          // of the cached measurement (0 when measured now)
  double seconds = 0;              // how long ObtainCeilings took (world rank 0's clock)
  std::string cache_path;          // "" when no cache location is known
  std::vector<std::string> warnings;  // world rank 0: files ignored or not written
};

// Collective over world. Unless `force`, rank 0 reads `cache_path` ("" for
// DefaultCeilingsCachePath); a valid file of this machine is used as it is, except that
// its storage ceilings are measured again (and the file updated) when they are of another
// directory than options.storage_dir. Otherwise everything is measured and rank 0 writes
// the cache. Same result on every rank.
ObtainedCeilings ObtainCeilings(MPI_Comm world, const ProbeOptions& options,
                                std::string cache_path, bool force);

}  // namespace parlab
