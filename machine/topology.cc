#include "machine/topology.h"

#include <fmt/format.h>
#include <hwloc.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>

#include "core/collective.h"
#include "core/errors.h"
#include "core/mpi_util.h"
#include "machine/hwloc_handle.h"

namespace parlab {
namespace {

std::string ThisHost() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

CpuList CpusOf(hwloc_const_bitmap_t set) {
  CpuList cpus;
  for (int cpu = hwloc_bitmap_first(set); cpu >= 0; cpu = hwloc_bitmap_next(set, cpu))
    cpus.push_back(cpu);
  return cpus;
}

int AncestorIndex(hwloc_topology_t topology, hwloc_obj_t obj, hwloc_obj_type_t type) {
  const hwloc_obj_t ancestor = hwloc_get_ancestor_obj_by_type(topology, type, obj);
  return ancestor != nullptr ? static_cast<int>(ancestor->logical_index) : -1;
}

// Cores in logical order; a topology without a core level (e.g. "pack:2 pu:4") has
// one core per PU.
Topology Extract(hwloc_topology_t raw, std::string source) {
  Topology topology;
  topology.host = ThisHost();
  topology.source = std::move(source);
  topology.this_system = hwloc_topology_is_thissystem(raw) != 0;
  const int numas = hwloc_get_nbobjs_by_type(raw, HWLOC_OBJ_NUMANODE);
  for (int i = 0; i < numas; ++i) {
    const hwloc_obj_t node =
        hwloc_get_obj_by_type(raw, HWLOC_OBJ_NUMANODE, static_cast<unsigned>(i));
    topology.numa_os_index.push_back(static_cast<int>(node->os_index));
  }
  const hwloc_obj_type_t core_type =
      hwloc_get_nbobjs_by_type(raw, HWLOC_OBJ_CORE) > 0 ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
  const int count = hwloc_get_nbobjs_by_type(raw, core_type);
  for (int i = 0; i < count; ++i) {
    const hwloc_obj_t obj = hwloc_get_obj_by_type(raw, core_type, static_cast<unsigned>(i));
    TopologyCore core;
    core.pus = CpusOf(obj->cpuset);
    if (core.pus.empty()) continue;
    core.package = AncestorIndex(raw, obj, HWLOC_OBJ_PACKAGE);
    core.l3 = AncestorIndex(raw, obj, HWLOC_OBJ_L3CACHE);
    const int first_node = obj->nodeset != nullptr ? hwloc_bitmap_first(obj->nodeset) : -1;
    const hwloc_obj_t node =
        first_node >= 0 ? hwloc_get_numanode_obj_by_os_index(raw, static_cast<unsigned>(first_node))
                        : nullptr;
    core.numa = node != nullptr ? static_cast<int>(node->logical_index) : -1;
    topology.cores.push_back(std::move(core));
  }
  topology.machine_pus = topology.pu_count();
  if (topology.cores.empty()) throw ConfigError(topology.source + ": hwloc found no CPUs");
  return topology;
}

Topology Load(HwlocTopology raw, std::string source) {
  if (hwloc_topology_load(raw.get()) != 0)
    throw ConfigError(fmt::format("{}: hwloc cannot load it", source));
  return Extract(raw.get(), std::move(source));
}

// Collective: rank 0 gets every rank's string (others get nothing).
std::vector<std::string> GatherStringsToRoot(MPI_Comm comm, const std::string& mine) {
  const int size = Size(comm);
  int length = static_cast<int>(mine.size());
  std::vector<int> lengths(static_cast<std::size_t>(size)), offsets(lengths.size());
  MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, comm);
  int total = 0;
  for (int r = 0; r < size; ++r) {
    offsets[r] = total;
    total += lengths[r];
  }
  std::string all(static_cast<std::size_t>(total), '\0');
  MPI_Gatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(),
              MPI_CHAR, 0, comm);
  std::vector<std::string> out;
  if (Rank(comm) != 0) return out;
  for (int r = 0; r < size; ++r) out.push_back(all.substr(offsets[r], lengths[r]));
  return out;
}

}  // namespace

const char* DomainWord(Domain domain) {
  switch (domain) {
    case Domain::kPackage: return "socket";
    case Domain::kNuma: return "numa";
    case Domain::kL3: return "l3";
  }
  return "?";
}

std::string Counted(int count, const std::string& noun) {
  return fmt::format("{} {}{}", count == 0 ? "no" : std::to_string(count), noun,
                     count == 1 ? "" : "s");
}

std::string DomainNoun(Domain domain, int count) {
  return Counted(count, domain == Domain::kPackage ? "package"
                        : domain == Domain::kNuma  ? "NUMA domain"
                                                   : "L3 cache");
}

int TopologyCore::In(Domain domain) const {
  switch (domain) {
    case Domain::kPackage: return package;
    case Domain::kNuma: return numa;
    case Domain::kL3: return l3;
  }
  return -1;
}

CpuList Topology::Pus() const {
  CpuList pus;
  for (const TopologyCore& core : cores) pus.insert(pus.end(), core.pus.begin(), core.pus.end());
  std::sort(pus.begin(), pus.end());
  return pus;
}

int Topology::pu_count() const {
  int count = 0;
  for (const TopologyCore& core : cores) count += static_cast<int>(core.pus.size());
  return count;
}

int Topology::DomainCount(Domain domain) const {
  std::set<int> seen;
  for (const TopologyCore& core : cores)
    if (core.In(domain) >= 0) seen.insert(core.In(domain));
  return static_cast<int>(seen.size());
}

std::string Topology::Describe() const {
  std::string text = fmt::format("{}: ", host);
  for (Domain domain : kDomains) {
    text += DomainNoun(domain, DomainCount(domain)) + ", ";
  }
  text += fmt::format("{}, {} ({})", Counted(static_cast<int>(cores.size()), "core"),
                      Counted(pu_count(), "PU"), source);
  if (!restriction.empty()) text += "; " + restriction;
  return text;
}

std::vector<DomainCores> DomainsOf(const Topology& topology, Domain domain) {
  std::vector<DomainCores> domains;
  for (int c = 0; c < static_cast<int>(topology.cores.size()); ++c) {
    const int index = topology.cores[c].In(domain);
    if (index < 0) continue;
    auto it = std::find_if(domains.begin(), domains.end(),
                           [&](const DomainCores& d) { return d.index == index; });
    if (it == domains.end()) it = domains.insert(domains.end(), DomainCores{index, {}});
    it->cores.push_back(c);
  }
  std::sort(domains.begin(), domains.end(),
            [](const DomainCores& a, const DomainCores& b) { return a.index < b.index; });
  return domains;
}

Topology LoadThisMachine() {
  HwlocTopology raw = NewHwlocTopology();
  std::string source = "this machine";
  if (const char* synthetic = std::getenv("HWLOC_SYNTHETIC"))
    source = fmt::format("synthetic '{}' from HWLOC_SYNTHETIC", synthetic);
  else if (const char* xml = std::getenv("HWLOC_XMLFILE"))
    source = fmt::format("XML file '{}' from HWLOC_XMLFILE", xml);
  return Load(std::move(raw), source);
}

Topology LoadSynthetic(const std::string& description) {
  HwlocTopology raw = NewHwlocTopology();
  if (hwloc_topology_set_synthetic(raw.get(), description.c_str()) != 0)
    throw ConfigError(fmt::format("invalid synthetic topology '{}' (hwloc's syntax, e.g. "
                                  "'pack:2 numa:2 core:8 pu:2')", description));
  return Load(std::move(raw), fmt::format("synthetic '{}'", description));
}

Topology LoadXml(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error))
    throw ConfigError(fmt::format("{}: topology XML file not found", path));
  HwlocTopology raw = NewHwlocTopology();
  if (hwloc_topology_set_xml(raw.get(), path.c_str()) != 0)
    throw ConfigError(fmt::format("{}: not a topology hwloc can read (write one with "
                                  "'lstopo {}')", path, path));
  return Load(std::move(raw), fmt::format("XML file '{}'", path));
}

Topology Restrict(const Topology& topology, const CpuList& allowed, const std::string& why) {
  Topology out = topology;
  out.cores.clear();
  for (const TopologyCore& core : topology.cores) {
    TopologyCore kept = core;
    kept.pus = Intersection(core.pus, allowed);
    if (!kept.pus.empty()) out.cores.push_back(std::move(kept));
  }
  if (out.cores.empty())
    throw ConfigError(fmt::format("{}: none of CPUs {} ({}) is in the topology", topology.host,
                                  FormatCpuList(allowed), why));
  if (out.pu_count() < topology.pu_count())
    out.restriction = fmt::format("restricted to CPUs {} of {}: {}", FormatCpuList(out.Pus()),
                                  FormatCpuList(topology.Pus()), why);
  return out;
}

nlohmann::json ToJson(const Topology& topology) {
  nlohmann::json cores = nlohmann::json::array();
  for (const TopologyCore& core : topology.cores)
    cores.push_back({{"pus", core.pus}, {"package", core.package}, {"numa", core.numa},
                     {"l3", core.l3}});
  return {{"summary", topology.Describe()},   {"host", topology.host},
          {"source", topology.source},        {"this_system", topology.this_system},
          {"machine_pus", topology.machine_pus}, {"restriction", topology.restriction},
          {"numa_os_index", topology.numa_os_index}, {"cores", cores}};
}

Topology TopologyFromJson(const nlohmann::json& entry) {
  try {
    Topology topology;
    topology.host = entry.at("host").get<std::string>();
    topology.source = entry.at("source").get<std::string>();
    topology.this_system = entry.at("this_system").get<bool>();
    topology.machine_pus = entry.at("machine_pus").get<int>();
    topology.restriction = entry.at("restriction").get<std::string>();
    topology.numa_os_index = entry.at("numa_os_index").get<std::vector<int>>();
    for (const auto& c : entry.at("cores")) {
      TopologyCore core;
      core.pus = c.at("pus").get<CpuList>();
      core.package = c.at("package").get<int>();
      core.numa = c.at("numa").get<int>();
      core.l3 = c.at("l3").get<int>();
      topology.cores.push_back(std::move(core));
    }
    return topology;
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(fmt::format("not a parlab topology: {}", e.what()));
  }
}

NodeTopologies GatherNodeTopologies(MPI_Comm world, const Topology& machine) {
  const std::vector<int> leaders = NodeLeaders(world);
  const std::vector<std::string> masks =
      AllGatherStrings(world, FormatCpuList(LaunchCpus()));
  const int rank = Rank(world);
  const int leader = leaders[static_cast<std::size_t>(rank)];
  NodeTopologies result;
  CpuList granted;
  int ranks_here = 0;
  for (std::size_t r = 0; r < leaders.size(); ++r) {
    if (leaders[r] != leader) continue;
    granted = Union(granted, ParseCpuList(masks[r]));
    ++ranks_here;
  }
  result.mine = machine;
  if (machine.this_system && granted != machine.Pus())
    result.mine = Restrict(machine, granted,
                           fmt::format("the launcher bound this node's {} to them; parlab "
                                       "plans within them", Counted(ranks_here, "rank")));
  const std::set<int> distinct(leaders.begin(), leaders.end());
  result.node = static_cast<int>(std::distance(distinct.begin(), distinct.find(leader)));
  const std::vector<std::string> entries =
      GatherStringsToRoot(world, rank == leader ? ToJson(result.mine).dump() : "");
  for (const std::string& entry : entries)
    if (!entry.empty()) result.all.push_back(nlohmann::json::parse(entry));
  return result;
}

NodeTopologies GatherThisMachine(MPI_Comm world) {
  std::string error;
  Topology machine;
  try {
    machine = LoadThisMachine();
  } catch (const std::exception& e) {
    error = e.what();
  }
  AgreeOrThrow(world, error);
  return GatherNodeTopologies(world, machine);
}

}  // namespace parlab
