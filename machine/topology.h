// What a node is made of, from hwloc: packages, NUMA domains, L3 groups, cores and their
// hardware threads (PUs), with the OS CPU indices the kernel binds to. A plain value:
// planned over (placement.h), printed, and sent between ranks as JSON.
#pragma once

#include <mpi.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "machine/cpu_list.h"

namespace parlab {

// The domains a placement can put ranks on, outermost first.
enum class Domain { kPackage, kNuma, kL3 };
constexpr Domain kDomains[] = {Domain::kPackage, Domain::kNuma, Domain::kL3};
// The config word ("socket", "numa", "l3"), and the noun for `count` of them in messages
// ("1 package", "4 NUMA domains", "no L3 caches").
const char* DomainWord(Domain domain);
std::string DomainNoun(Domain domain, int count);
// "1 core", "2 cores", "no cores".
std::string Counted(int count, const std::string& noun);

struct TopologyCore {
  CpuList pus;       // OS indices of its PUs that may be used (hwloc order)
  int package = -1;  // logical index of its package; -1 when the topology has no such level
  int numa = -1;     // logical index of its first local NUMA node
  int l3 = -1;       // logical index of its L3 cache
  int In(Domain domain) const;
  bool operator==(const TopologyCore&) const = default;
};

struct Topology {
  std::string host;
  std::string source;                // "this machine", "synthetic '...'", "XML file '...'"
  bool this_system = false;          // describes the machine we run on (binding is real)
  std::vector<TopologyCore> cores;   // hwloc's logical order; only cores with usable PUs
  std::vector<int> numa_os_index;    // per NUMA logical index: its OS index (move_pages')
  int machine_pus = 0;               // PUs before Restrict()
  std::string restriction;           // "" or which CPUs planning is confined to, and why

  CpuList Pus() const;
  int pu_count() const;
  // How many distinct domains of a kind the cores are in (0: the level is absent).
  int DomainCount(Domain domain) const;
  // One line: "host: 2 packages, 4 NUMA domains, no L3 caches, 32 cores, 64 PUs (source)".
  std::string Describe() const;
  bool operator==(const Topology&) const = default;
};

// The cores (indices into topology.cores) of each domain of a kind that has any, in order.
struct DomainCores {
  int index = 0;  // logical index of the domain
  std::vector<int> cores;
};
std::vector<DomainCores> DomainsOf(const Topology& topology, Domain domain);

// The machine we run on, as hwloc sees it (only the CPUs and memory this process is
// allowed to use, e.g. a SLURM cgroup). hwloc honours HWLOC_SYNTHETIC and HWLOC_XMLFILE
// here; the result then says so and is not this_system.
Topology LoadThisMachine();
// A synthetic machine ("pack:2 numa:2 core:8 pu:2") or one saved by `lstopo file.xml`.
// Bad input throws ConfigError naming the description or file.
Topology LoadSynthetic(const std::string& description);
Topology LoadXml(const std::string& path);

// The topology confined to `allowed` CPUs (cores keep their allowed PUs, cores without
// any are dropped); `why` says who confined it. Throws ConfigError when nothing is left.
Topology Restrict(const Topology& topology, const CpuList& allowed, const std::string& why);

nlohmann::json ToJson(const Topology& topology);
// Throws ConfigError when the JSON is not a topology ToJson wrote.
Topology TopologyFromJson(const nlohmann::json& entry);

// Collective over `world`. Every rank gets its node's topology: `machine` restricted to
// the union of the CPUs the launcher gave the node's ranks (when this_system), so that
// ranks planned together plan within the same CPUs. World rank 0 also gets one JSON
// entry per node, in node order (the order of the nodes' lowest world ranks).
struct NodeTopologies {
  Topology mine;
  int node = 0;                     // this rank's node's position in `all`
  std::vector<nlohmann::json> all;  // world rank 0 only
};
NodeTopologies GatherNodeTopologies(MPI_Comm world, const Topology& machine);
// The same for the machine each rank runs on (LoadThisMachine); when any rank cannot read
// its machine, every rank throws the first rank's message.
NodeTopologies GatherThisMachine(MPI_Comm world);

}  // namespace parlab
