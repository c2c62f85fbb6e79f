// The Topology value type: what hwloc reports for synthetic machines, restriction to the
// launcher's CPUs, the JSON round trip and the per-node gather.
#include <gtest/gtest.h>
#include <hwloc.h>
#include <mpi.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "core/errors.h"
#include "machine/topology.h"
#include "unit/synthetic_machines.h"

namespace parlab {
namespace {

using testing_util::kBig;
using testing_util::kSmall;

TEST(CpuList, FormatsAndParsesRanges) {
  EXPECT_EQ(FormatCpuList({0, 1, 2, 3, 8, 10, 11}), "0-3,8,10-11");
  EXPECT_EQ(FormatCpuList({}), "");
  EXPECT_EQ(ParseCpuList("0-3,8,10-11"), (CpuList{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(ParseCpuList("5,1,1"), (CpuList{1, 5}));
  EXPECT_EQ(ParseCpuList(""), CpuList{});
  for (const char* bad : {"1-", "a", "3-1", "1,", "-2", "99999"})
    EXPECT_THROW(ParseCpuList(bad), ConfigError) << bad;
}

TEST(Topology, SyntheticLevelsAndOsIndices) {
  const Topology t = LoadSynthetic(kBig);
  EXPECT_FALSE(t.this_system);
  ASSERT_EQ(t.cores.size(), 32u);
  EXPECT_EQ(t.pu_count(), 64);
  EXPECT_EQ(t.machine_pus, 64);
  EXPECT_EQ(t.DomainCount(Domain::kPackage), 2);
  EXPECT_EQ(t.DomainCount(Domain::kNuma), 4);
  EXPECT_EQ(t.DomainCount(Domain::kL3), 0);
  EXPECT_EQ(t.numa_os_index, (std::vector<int>{0, 1, 2, 3}));
  // Core 9: package 0, NUMA 1, PUs 18 and 19; core 16 starts package 1.
  EXPECT_EQ(t.cores[9].pus, (CpuList{18, 19}));
  EXPECT_EQ(t.cores[9].package, 0);
  EXPECT_EQ(t.cores[9].numa, 1);
  EXPECT_EQ(t.cores[16].package, 1);
  EXPECT_EQ(t.cores[16].numa, 2);
  const std::vector<DomainCores> numas = DomainsOf(t, Domain::kNuma);
  ASSERT_EQ(numas.size(), 4u);
  EXPECT_EQ(numas[3].cores.front(), 24);
  EXPECT_EQ(numas[3].cores.size(), 8u);
  EXPECT_EQ(t.Describe(), t.host + ": 2 packages, 4 NUMA domains, no L3 caches, 32 cores, "
                                   "64 PUs (synthetic 'pack:2 numa:2 core:8 pu:2')");
}

TEST(Topology, SyntheticWithL3AndWithoutCores) {
  const Topology l3 = LoadSynthetic("pack:2 l3:2 core:4 pu:2");
  EXPECT_EQ(l3.DomainCount(Domain::kL3), 4);
  EXPECT_EQ(l3.DomainCount(Domain::kNuma), 1);  // hwloc always has one NUMA node
  EXPECT_EQ(l3.cores[5].l3, 1);
  const Topology flat = LoadSynthetic("pack:2 pu:3");  // no core level: a core per PU
  EXPECT_EQ(flat.cores.size(), 6u);
  EXPECT_EQ(flat.cores[4].pus, CpuList{4});
}

TEST(Topology, BadSyntheticAndMissingXmlNameTheInput) {
  try {
    LoadSynthetic("pack:2 bogus:3");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("invalid synthetic topology 'pack:2 bogus:3'"),
              std::string::npos) << e.what();
  }
  EXPECT_THROW(LoadXml("/nonexistent/topo.xml"), ConfigError);
  const auto dir =
      std::filesystem::temp_directory_path() / ("parlab_topo_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string junk = (dir / "junk.xml").string();
  std::FILE* f = std::fopen(junk.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("not xml at all", f);
  std::fclose(f);
  EXPECT_THROW(LoadXml(junk), ConfigError);
  std::filesystem::remove_all(dir);
}

TEST(Topology, XmlFileLoadsWhatHwlocExported) {
  hwloc_topology_t raw = nullptr;
  ASSERT_EQ(hwloc_topology_init(&raw), 0);
  ASSERT_EQ(hwloc_topology_set_synthetic(raw, kBig), 0);
  ASSERT_EQ(hwloc_topology_load(raw), 0);
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("parlab_topo_" + std::to_string(getpid()) + ".xml")).string();
  ASSERT_EQ(hwloc_topology_export_xml(raw, path.c_str(), 0), 0);
  hwloc_topology_destroy(raw);
  const Topology xml = LoadXml(path);
  std::filesystem::remove(path);
  const Topology synthetic = LoadSynthetic(kBig);
  EXPECT_EQ(xml.cores, synthetic.cores);
  EXPECT_EQ(xml.numa_os_index, synthetic.numa_os_index);
  EXPECT_NE(xml.source.find("XML file"), std::string::npos);
}

TEST(Topology, ExplicitSyntheticWinsOverEnvironment) {
  ASSERT_EQ(setenv("HWLOC_SYNTHETIC", kBig, 1), 0);
  const Topology from_env = LoadThisMachine();
  const Topology explicit_small = LoadSynthetic(kSmall);
  unsetenv("HWLOC_SYNTHETIC");
  EXPECT_EQ(from_env.pu_count(), 64);
  EXPECT_FALSE(from_env.this_system);
  EXPECT_NE(from_env.source.find("HWLOC_SYNTHETIC"), std::string::npos);
  EXPECT_EQ(explicit_small.pu_count(), 2);
}

TEST(Topology, ThisMachineHasItsOnlineCpus) {
  const Topology t = LoadThisMachine();
  EXPECT_TRUE(t.this_system);
  // hwloc lists the CPUs this process may use: every CPU it is bound to among them.
  const CpuList mine = AffinityOfThisThread();
  EXPECT_EQ(Intersection(t.Pus(), mine), mine);
  EXPECT_GE(t.DomainCount(Domain::kNuma), 1);
  for (const TopologyCore& core : t.cores) EXPECT_GE(core.numa, 0);
}

TEST(Topology, RestrictKeepsAllowedPusAndSaysWhy) {
  const Topology t = LoadSynthetic(kBig);
  // A launcher that bound us to NUMA domain 0 and one PU of core 8 (NUMA 1).
  CpuList allowed = ParseCpuList("0-15,17");
  const Topology r = Restrict(t, allowed, "the launcher bound this rank");
  EXPECT_EQ(r.cores.size(), 9u);
  EXPECT_EQ(r.cores.back().pus, CpuList{17});
  EXPECT_EQ(r.DomainCount(Domain::kNuma), 2);
  EXPECT_EQ(r.DomainCount(Domain::kPackage), 1);
  EXPECT_EQ(r.machine_pus, 64);
  EXPECT_EQ(r.restriction, "restricted to CPUs 0-15,17 of 0-63: the launcher bound this rank");
  EXPECT_NE(r.Describe().find(r.restriction), std::string::npos);
  EXPECT_EQ(Restrict(t, t.Pus(), "all").restriction, "");
  EXPECT_THROW(Restrict(t, {100}, "nothing"), ConfigError);
}

TEST(Topology, JsonRoundTrip) {
  const Topology t = Restrict(LoadSynthetic(kBig), ParseCpuList("4-40"), "test");
  const nlohmann::json j = ToJson(t);
  EXPECT_EQ(j.at("summary"), t.Describe());
  EXPECT_EQ(TopologyFromJson(nlohmann::json::parse(j.dump())), t);
  EXPECT_THROW(TopologyFromJson(nlohmann::json{{"host", "x"}}), ConfigError);
}

// Collective; as a singleton (or under mpirun on one node) there is one node.
TEST(Topology, GatherGivesOneEntryPerNode) {
  const Topology machine = LoadThisMachine();
  const NodeTopologies nodes = GatherNodeTopologies(MPI_COMM_WORLD, machine);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  EXPECT_EQ(nodes.node, 0);
  if (rank == 0) {
    ASSERT_EQ(nodes.all.size(), 1u);
    EXPECT_EQ(TopologyFromJson(nodes.all[0]), nodes.mine);
  } else {
    EXPECT_TRUE(nodes.all.empty());
  }
  // Whatever the launcher gave, our own CPUs are in the node's plan.
  const CpuList mine = AffinityOfThisThread();
  EXPECT_EQ(Intersection(nodes.mine.Pus(), mine), mine);
}

}  // namespace
}  // namespace parlab
