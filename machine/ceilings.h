// This machine's measured ceilings: the roofs every rate in a report is compared with.
// A plain value: measured (machine/probe.h), cached (machine/ceilings_cache.h), sent
// between ranks and written out as JSON.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "machine/cache_levels.h"
#include "machine/plateau.h"

namespace parlab {

// One ceiling: the best of several trials, how it was measured, or why it could not be.
struct Ceiling {
  bool available = false;
  double value = 0;            // the best trial (largest rate, smallest latency), in unit
  std::string unit;            // "GFLOP/s", "GB/s", "us"
  std::string method;
  std::vector<double> trials;  // every trial (or plateau point), in unit
  std::string reason;          // why it is unavailable; "" when available

  static Ceiling Unavailable(std::string unit, std::string method, std::string reason);
};

// Where it matters, ceilings are measured per execution model's unit of parallelism.
enum class ProbeScope {
  kThread,  // one thread of one rank
  kRank,    // every CPU of one rank, as OpenMP threads
  kNode,    // every rank of one node, one thread each
};
inline constexpr ProbeScope kProbeScopes[] = {ProbeScope::kThread, ProbeScope::kRank,
                                              ProbeScope::kNode};
const char* ProbeScopeName(ProbeScope scope);  // "thread", "rank", "node"

enum class AccessPattern { kRead, kTriad };
inline constexpr AccessPattern kAccessPatterns[] = {AccessPattern::kRead,
                                                    AccessPattern::kTriad};
const char* AccessPatternName(AccessPattern pattern);  // "read", "triad"

// One level of the memory hierarchy under one access pattern.
struct LevelBandwidth {
  MemoryLevel level = MemoryLevel::kDram;
  double capacity_bytes = 0;  // the scope's share of the cache (0: DRAM)
  double from_bytes = 0;      // the plateau's working sets
  double to_bytes = 0;
  Ceiling bandwidth;          // GB/s
};

struct MemorySweep {
  AccessPattern pattern = AccessPattern::kRead;
  std::vector<BandwidthPoint> points;  // total working set of the scope -> GB/s
  std::vector<LevelBandwidth> levels;  // one per cache level, then DRAM
  const LevelBandwidth* Find(MemoryLevel level) const;
};

struct ScopeCeilings;
// The memory roof of a working set of `bytes` (all workers of the scope together): the
// innermost level whose capacity holds it, else DRAM. nullptr when the scope has no such
// sweep. The entry may be unavailable (no plateau): check bandwidth.available.
const LevelBandwidth* BandwidthFor(const ScopeCeilings& scope, AccessPattern pattern,
                                   double bytes);

struct ScopeCeilings {
  ProbeScope scope = ProbeScope::kThread;
  int workers = 0;         // threads or ranks that ran at once (0: not measured)
  double seconds = 0;      // how long measuring this scope took
  Ceiling peak_fp64;       // FMA kernel at the widest vector ISA (GFLOP/s)
  Ceiling scalar_fp64;     // one double per instruction (GFLOP/s)
  std::vector<MemorySweep> memory;  // one per AccessPattern, in order
  const MemorySweep* Find(AccessPattern pattern) const;
};

enum class MpiLink { kSameNode, kOtherNode };
inline constexpr MpiLink kMpiLinks[] = {MpiLink::kSameNode, MpiLink::kOtherNode};
const char* MpiLinkName(MpiLink link);  // "same_node", "other_node"

struct MpiCeilings {
  MpiLink link = MpiLink::kSameNode;
  int partner = -1;   // world rank rank 0 measured with
  Ceiling latency;    // half round trip of an 8-byte message (us)
  Ceiling bandwidth;  // large message / half round trip (GB/s)
};

struct StorageCeilings {
  std::string dir;
  double file_bytes = 0;
  Ceiling buffered;  // write() into the page cache (GB/s)
  Ceiling fsync;     // write() then fsync(), timed together (GB/s)
};

// What the ceilings belong to: a cache file from another machine is not used.
struct MachineKey {
  std::string host;
  std::string cpu_model;
  int cores = 0;  // online CPUs
  bool operator==(const MachineKey&) const = default;
  std::string Describe() const;  // "host h (cpu, 2 cores)"
};
MachineKey ThisMachineKey();

struct Ceilings {
  MachineKey machine;
  std::string isa;                // SimdIsaName of the kernels used
  std::string measured_at;        // UTC, ISO 8601
  std::int64_t measured_unix = 0;
  double probe_seconds = 0;
  int world_size = 0;
  int nodes = 0;
  int ranks_on_node = 0;          // world rank 0's node
  std::vector<CacheLevel> caches;
  std::vector<ScopeCeilings> scopes;  // one per ProbeScope, in order
  std::vector<MpiCeilings> mpi;       // one per MpiLink, in order
  StorageCeilings storage;

  const ScopeCeilings* Find(ProbeScope scope) const;
  const MpiCeilings* Find(MpiLink link) const;
  // The widest scope whose FMA peak was measured (the node, else the rank, else a thread);
  // nullptr when none was.
  const ScopeCeilings* Widest() const;
};

inline constexpr int kCeilingsFormatVersion = 1;

// A ceilings document that is not one ToJson wrote (or of another version).
class CeilingsFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

nlohmann::json ToJson(const Ceilings& ceilings);
Ceilings CeilingsFromJson(const nlohmann::json& json);  // throws CeilingsFormatError

// ERT's roofline.json layout ({"empirical": {"gflops": {"data": [[name, GFLOP/s]]},
// "gbytes": {"data": [[level, GB/s]]}}}) for one scope, its memory roofs from `pattern`.
nlohmann::json RooflineJson(const Ceilings& ceilings, ProbeScope scope,
                            AccessPattern pattern = AccessPattern::kTriad);

// Every ceiling as one row, for reports: path "scope/thread/memory/triad/L1/bandwidth".
struct CeilingRow {
  std::string path;
  const Ceiling* ceiling;
};
std::vector<CeilingRow> FlattenCeilings(const Ceilings& ceilings);

}  // namespace parlab
