// Placement plans on synthetic machines: the properties every plan must have, the exact
// CPUs of a few, and the errors for what a machine cannot hold.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "machine/placement.h"
#include "unit/synthetic_machines.h"

namespace parlab {
namespace {

using testing_util::kBig;
using testing_util::kSmall;

const std::vector<std::string> kPlacements = {"none",         "compact",     "spread",
                                              "socket",       "numa",        "l3",
                                              "2 per socket", "2 per numa", "3 per numa"};
const std::vector<NodeShape> kShapes = {{1, 1}, {1, 2}, {2, 1}, {2, 2},  {1, 8},  {4, 1},
                                        {4, 2}, {4, 4}, {4, 8}, {8, 4},  {3, 5},  {5, 3},
                                        {2, 16}, {1, 32}, {1, 64}, {32, 1}, {64, 1}, {4, 16},
                                        {8, 8}, {2, 64}};

// Where each PU is: its core and domains.
struct PuInfo {
  int core, package, numa, l3;
  bool first_of_core;
  int In(Domain d) const {
    return d == Domain::kPackage ? package : d == Domain::kNuma ? numa : l3;
  }
};
std::map<int, PuInfo> PuMap(const Topology& t) {
  std::map<int, PuInfo> map;
  for (int c = 0; c < static_cast<int>(t.cores.size()); ++c)
    for (std::size_t i = 0; i < t.cores[c].pus.size(); ++i)
      map[t.cores[c].pus[i]] = {c, t.cores[c].package, t.cores[c].numa, t.cores[c].l3, i == 0};
  return map;
}

// Checks what every plan must satisfy; returns the number of plans checked.
int CheckAllPlans(const Topology& t) {
  const std::map<int, PuInfo> pus = PuMap(t);
  int checked = 0;
  for (const std::string& name : kPlacements) {
    const Placement placement = ParsePlacement(name);
    for (bool smt : {false, true}) {
      for (NodeShape shape : kShapes) {
        const std::string what = fmt::format("{} {}x{} smt={}", name, shape.ranks,
                                             shape.threads, smt);
        NodePlan plan;
        try {
          plan = PlanNode(t, shape, placement, smt);
        } catch (const PlacementError& e) {
          // Only domain placements may refuse, in one line naming shape, placement, topology.
          const std::string message = e.what();
          EXPECT_EQ(placement.kind, Placement::Kind::kDomain) << what << ": " << message;
          EXPECT_EQ(message.find('\n'), std::string::npos) << message;
          const auto has = [&](const std::string& part) {
            return message.find(part) != std::string::npos;
          };
          EXPECT_TRUE(has(fmt::format("placement '{}'", name))) << message;
          EXPECT_TRUE(has(fmt::format("{} rank", shape.ranks))) << message;
          EXPECT_TRUE(has(fmt::format("x {} thread", shape.threads))) << message;
          EXPECT_NE(message.find(t.Describe()), std::string::npos) << message;
          continue;
        }
        ++checked;
        const int workers = shape.ranks * shape.threads;
        if (plan.ranks.size() != static_cast<std::size_t>(shape.ranks)) {
          ADD_FAILURE() << what << ": " << plan.ranks.size() << " ranks planned";
          continue;
        }
        if (placement.kind == Placement::Kind::kNone) {
          EXPECT_FALSE(plan.bound) << what;
          for (const RankPlan& r : plan.ranks) EXPECT_TRUE(r.cpus.empty()) << what;
          EXPECT_EQ(plan.oversubscribed, workers > t.pu_count()) << what;
          continue;
        }
        EXPECT_TRUE(plan.bound) << what;
        std::map<int, int> users;
        std::map<int, std::set<int>> pus_of_core;
        for (int r = 0; r < shape.ranks; ++r) {
          const RankPlan& rank = plan.ranks[r];
          EXPECT_EQ(rank.thread_cpu.size(), static_cast<std::size_t>(shape.threads)) << what;
          std::set<int> numas, packages, in_level;
          for (int cpu : rank.thread_cpu) {
            if (pus.count(cpu) == 0) {
              ADD_FAILURE() << what << ": CPU " << cpu << " is not in the topology";
              continue;
            }
            ++users[cpu];
            pus_of_core[pus.at(cpu).core].insert(cpu);
            numas.insert(pus.at(cpu).numa);
            packages.insert(pus.at(cpu).package);
            if (plan.level) in_level.insert(pus.at(cpu).In(*plan.level));
            // smt = false: one PU per core, always the core's first.
            if (!smt) EXPECT_TRUE(pus.at(cpu).first_of_core) << what << ": CPU " << cpu;
          }
          // A rank placed on a domain (domain placements; spread with a domain per rank)
          // has all its threads there.
          if (plan.level && rank.domain >= 0)
            EXPECT_EQ(in_level, std::set<int>{rank.domain}) << what << " rank " << r;
          if (placement.kind == Placement::Kind::kSpread && plan.level &&
              shape.ranks >= t.DomainCount(*plan.level))
            EXPECT_GE(rank.domain, 0) << what << " rank " << r;
          std::set<int> cpus(rank.thread_cpu.begin(), rank.thread_cpu.end());
          EXPECT_EQ(rank.cpus, CpuList(cpus.begin(), cpus.end())) << what;
          if (placement.kind == Placement::Kind::kDomain) {
            // The rank's threads are all on the rank's domain.
            const std::set<int>& in = placement.domain == Domain::kNuma ? numas : packages;
            EXPECT_EQ(in, std::set<int>{rank.domain}) << what << " rank " << r;
            EXPECT_EQ(rank.domain, DomainsOf(t, placement.domain)[r / placement.ranks_per].index)
                << what << " rank " << r;
          }
        }
        bool shared = false;
        for (const auto& [cpu, count] : users) shared = shared || count > 1;
        // No CPU used twice unless flagged; the flag is never raised for nothing.
        EXPECT_EQ(plan.oversubscribed, shared) << what;
        EXPECT_EQ(plan.note.empty(), !shared) << what;
        if (!smt)
          for (const auto& [core, used] : pus_of_core) EXPECT_EQ(used.size(), 1u) << what;
        // compact and spread only oversubscribe when the node has too few CPUs.
        const int cpus = smt ? t.pu_count() : static_cast<int>(t.cores.size());
        if (placement.kind != Placement::Kind::kDomain && workers <= cpus)
          EXPECT_FALSE(plan.oversubscribed) << what;
        // Domain placements never oversubscribe: they refuse instead.
        if (placement.kind == Placement::Kind::kDomain) EXPECT_FALSE(plan.oversubscribed) << what;
      }
    }
  }
  return checked;
}

TEST(Placement, EveryPlanOnTwoPackagesFourNuma) {
  EXPECT_GT(CheckAllPlans(LoadSynthetic(kBig)), 200);
}

TEST(Placement, EveryPlanOnTwoCores) { EXPECT_GT(CheckAllPlans(LoadSynthetic(kSmall)), 40); }

TEST(Placement, EveryPlanWithinALaunchersCpus) {
  // Bound to NUMA 1 and half of NUMA 2: planning stays inside, domains shrink.
  const Topology t = Restrict(LoadSynthetic(kBig), ParseCpuList("16-39"), "test");
  EXPECT_GT(CheckAllPlans(t), 100);
  const NodePlan plan = PlanNode(t, {2, 4}, ParsePlacement("numa"), false);
  EXPECT_EQ(plan.ranks[0].thread_cpu, (std::vector<int>{16, 18, 20, 22}));
  EXPECT_EQ(plan.ranks[1].thread_cpu, (std::vector<int>{32, 34, 36, 38}));
  EXPECT_THROW(PlanNode(t, {3, 1}, ParsePlacement("numa"), false), PlacementError);
}

NodePlan Plan(const char* topology, NodeShape shape, const char* placement, bool smt = false) {
  return PlanNode(LoadSynthetic(topology), shape, ParsePlacement(placement), smt);
}

TEST(Placement, CompactFillsCoresInOrder) {
  // Core k of kBig has PUs 2k and 2k + 1.
  NodePlan p = Plan(kBig, {2, 4}, "compact");
  EXPECT_EQ(p.ranks[0].thread_cpu, (std::vector<int>{0, 2, 4, 6}));
  EXPECT_EQ(p.ranks[1].thread_cpu, (std::vector<int>{8, 10, 12, 14}));
  p = Plan(kBig, {1, 4}, "compact", true);
  EXPECT_EQ(p.ranks[0].thread_cpu, (std::vector<int>{0, 1, 2, 3}));
  p = Plan(kSmall, {2, 1}, "compact");
  EXPECT_EQ(p.ranks[0].thread_cpu, std::vector<int>{0});
  EXPECT_EQ(p.ranks[1].thread_cpu, std::vector<int>{1});
  p = Plan(kSmall, {2, 2}, "compact");  // 4 threads, 2 cores
  EXPECT_TRUE(p.oversubscribed);
  EXPECT_EQ(p.note, "4 threads on 2 CPUs: 2 run more than one");
  p = Plan(kBig, {1, 40}, "compact");  // 40 threads, 32 cores, 64 PUs
  EXPECT_TRUE(p.oversubscribed);
  EXPECT_NE(p.note.find("smt = true would add 32 sibling PUs"), std::string::npos) << p.note;
  EXPECT_FALSE(Plan(kBig, {1, 40}, "compact", true).oversubscribed);
}

TEST(Placement, SpreadDealsRanksOverTheOutermostDomain) {
  // Packages are the outermost level: PUs 0-31 and 32-63.
  NodePlan p = Plan(kBig, {4, 1}, "spread");
  EXPECT_EQ(p.level, Domain::kPackage);
  std::vector<int> firsts;
  for (const RankPlan& r : p.ranks) firsts.push_back(r.thread_cpu[0]);
  EXPECT_EQ(firsts, (std::vector<int>{0, 32, 2, 34}));
  EXPECT_EQ(p.ranks[1].domain, 1);
  p = Plan(kBig, {1, 4}, "spread");  // one rank: its threads alternate packages
  EXPECT_EQ(p.ranks[0].thread_cpu, (std::vector<int>{0, 32, 2, 34}));
  p = Plan(kBig, {2, 3}, "spread");  // a package per rank, threads on distinct cores
  EXPECT_EQ(p.ranks[0].thread_cpu, (std::vector<int>{0, 2, 4}));
  EXPECT_EQ(p.ranks[1].thread_cpu, (std::vector<int>{32, 34, 36}));
  p = Plan(kBig, {1, 40}, "spread", true);  // smt: every core's first PU before a second
  EXPECT_EQ(p.ranks[0].thread_cpu[31], 62);
  EXPECT_EQ(p.ranks[0].thread_cpu[32], 1);
  p = Plan(kSmall, {1, 2}, "spread");  // one package, one NUMA: over the cores
  EXPECT_FALSE(p.level.has_value());
  EXPECT_EQ(p.ranks[0].thread_cpu, (std::vector<int>{0, 1}));
}

TEST(Placement, DomainPlacementsKeepARanksThreadsInItsDomain) {
  NodePlan p = Plan(kBig, {4, 2}, "numa");
  for (int r = 0; r < 4; ++r) {
    EXPECT_EQ(p.ranks[r].domain, r);
    EXPECT_EQ(p.ranks[r].thread_cpu, (std::vector<int>{16 * r, 16 * r + 2}));
  }
  p = Plan(kBig, {2, 1}, "socket");
  EXPECT_EQ(p.ranks[1].thread_cpu, std::vector<int>{32});
  p = Plan(kBig, {1, 9}, "numa", true);  // 9 threads on 8 cores: a sibling PU with smt
  EXPECT_EQ(p.ranks[0].thread_cpu.back(), 1);
}

TEST(Placement, RanksPerDomainSplitTheDomainsCores) {
  // "2 ranks per socket, the rest as threads": 4 ranks x 8 threads, a package half each.
  NodePlan p = Plan(kBig, {4, 8}, "2 per socket");
  EXPECT_EQ(p.ranks[0].cpus, ParseCpuList("0,2,4,6,8,10,12,14"));
  EXPECT_EQ(p.ranks[1].cpus, ParseCpuList("16,18,20,22,24,26,28,30"));
  EXPECT_EQ(p.ranks[2].domain, 1);
  EXPECT_EQ(p.ranks[3].thread_cpu.front(), 48);
  p = Plan(kBig, {3, 2}, "2 per numa");  // fewer ranks than slots: fill in order
  EXPECT_EQ(p.ranks[1].thread_cpu, (std::vector<int>{8, 10}));
  EXPECT_EQ(p.ranks[2].domain, 1);
  p = Plan(kBig, {3, 2}, "3 per numa");  // 8 cores in 3 parts: 3, 3, 2
  EXPECT_EQ(p.ranks[2].thread_cpu, (std::vector<int>{12, 14}));
  const Topology big = LoadSynthetic(kBig);
  EXPECT_EQ(FillingShape(big, ParsePlacement("2 per socket"), false).threads, 8);
  EXPECT_EQ(FillingShape(big, ParsePlacement("2 per socket"), false).ranks, 4);
  EXPECT_EQ(FillingShape(big, ParsePlacement("2 per socket"), true).threads, 16);
  EXPECT_EQ(FillingShape(big, ParsePlacement("3 per numa"), false).threads, 2);
  EXPECT_EQ(FillingShape(big, ParsePlacement("numa"), false).ranks, 4);
  EXPECT_THROW(FillingShape(big, ParsePlacement("compact"), false), PlacementError);
  EXPECT_THROW(FillingShape(big, ParsePlacement("9 per numa"), false), PlacementError);
}

std::string ErrorOf(const char* topology, NodeShape shape, const char* placement,
                    bool smt = false) {
  const Topology t = LoadSynthetic(topology);
  try {
    PlanNode(t, shape, ParsePlacement(placement), smt);
  } catch (const PlacementError& e) {
    return std::string(e.what()).substr(0, std::string(e.what()).find("; topology " + t.host));
  }
  return "no error";
}

TEST(Placement, UnsatisfiableShapesAreOneLineErrors) {
  EXPECT_EQ(ErrorOf(kBig, {5, 1}, "numa"),
            "placement 'numa' cannot hold 5 ranks x 1 thread on one node: at most 4 fit "
            "(4 NUMA domains x 1 each)");
  EXPECT_EQ(ErrorOf(kBig, {1, 9}, "numa"),
            "placement 'numa' cannot hold 1 rank x 9 threads on one node: 9 threads do not "
            "fit: rank 0's numa 0 has 8 cores (smt = false)");
  EXPECT_EQ(ErrorOf(kBig, {4, 9}, "2 per socket"),
            "placement '2 per socket' cannot hold 4 ranks x 9 threads on one node: 9 threads "
            "do not fit: rank 0's part of socket 0 has 8 cores (smt = false)");
  EXPECT_EQ(ErrorOf(kBig, {5, 1}, "2 per socket"),
            "placement '2 per socket' cannot hold 5 ranks x 1 thread on one node: at most 4 "
            "fit (2 packages x 2 each)");
  EXPECT_EQ(ErrorOf(kBig, {1, 1}, "l3"),
            "placement 'l3' cannot hold 1 rank x 1 thread on one node: the topology has no "
            "L3 caches");
  EXPECT_EQ(ErrorOf(kSmall, {2, 1}, "numa"),
            "placement 'numa' cannot hold 2 ranks x 1 thread on one node: at most 1 fit "
            "(1 NUMA domain x 1 each)");
  EXPECT_EQ(ErrorOf(kSmall, {1, 3}, "socket", true),
            "placement 'socket' cannot hold 1 rank x 3 threads on one node: 3 threads do not "
            "fit: rank 0's socket 0 has 2 PUs (smt = true)");
  const Topology t = LoadSynthetic(kSmall);
  try {
    PlanNode(t, {2, 1}, ParsePlacement("numa"), false);
  } catch (const PlacementError& e) {
    EXPECT_EQ(std::string(e.what()).substr(std::string(e.what()).find("; topology ")),
              "; topology " + t.Describe());
  }
}

TEST(Placement, ParsesNamesAndListsTheValidOnes) {
  for (const std::string& name : kPlacements) EXPECT_EQ(PlacementName(ParsePlacement(name)), name);
  EXPECT_EQ(ParsePlacement("1 per numa"), ParsePlacement("numa"));
  EXPECT_EQ(ParsePlacement("4 per l3"),
            (Placement{Placement::Kind::kDomain, Domain::kL3, 4}));
  for (const char* bad : {"numaa", "", "0 per numa", "2 per core", "2per numa", "2 per",
                          "x per numa", "2  per numa", "Compact", "-1 per numa"}) {
    try {
      ParsePlacement(bad);
      ADD_FAILURE() << "'" << bad << "' was accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()),
                fmt::format("unknown placement '{}' (valid placements: none, compact, spread, "
                            "socket, numa, l3, or '<n> per socket|numa|l3' such as '2 per numa')",
                            bad));
    }
  }
}

TEST(PlanText, ListsEveryRankAndThreadOrTheError) {
  const Topology t = LoadSynthetic(kSmall);
  const std::string text = FormatPlan(t, {{{2, 1}, ParsePlacement("compact"), false},
                                          {{1, 2}, ParsePlacement("none"), false},
                                          {{2, 2}, ParsePlacement("spread"), false},
                                          {{2, 1}, ParsePlacement("numa"), false}});
  EXPECT_EQ(text, "node " + t.Describe() + "\n" +
                      "  2 ranks x 1 thread, placement 'compact', smt = false\n"
                      "    rank 0: CPUs 0; threads on 0\n"
                      "    rank 1: CPUs 1; threads on 1\n"
                      "  1 rank x 2 threads, placement 'none', smt = false\n"
                      "    not bound: the OS places every thread\n"
                      "  2 ranks x 2 threads, placement 'spread', smt = false\n"
                      "    oversubscribed: 4 threads on 2 CPUs: 2 run more than one\n"
                      "    rank 0: CPUs 0; threads on 0 0\n"
                      "    rank 1: CPUs 1; threads on 1 1\n"
                      "  error: placement 'numa' cannot hold 2 ranks x 1 thread on one node: "
                      "at most 1 fit (1 NUMA domain x 1 each); topology " +
                      t.Describe() + "\n");
}

TEST(PlanText, NamesEachRanksDomain) {
  const Topology t = LoadSynthetic(kBig);
  const NodePlan plan = PlanNode(t, {2, 3}, ParsePlacement("2 per numa"), true);
  EXPECT_EQ(FormatNodePlan(plan, 0), "2 ranks x 3 threads, placement '2 per numa', smt = true\n"
                                     "  rank 0: numa 0, CPUs 0,2,4; threads on 0 2 4\n"
                                     "  rank 1: numa 0, CPUs 8,10,12; threads on 8 10 12\n");
  const nlohmann::json j = ToJson(plan);
  EXPECT_EQ(j.at("placement"), "2 per numa");
  EXPECT_EQ(j.at("level"), "numa");
  EXPECT_EQ(j.at("ranks").at(1).at("cpus"), "8,10,12");
  EXPECT_EQ(j.at("ranks").at(1).at("thread_cpu"), (std::vector<int>{8, 10, 12}));
  EXPECT_EQ(j.at("oversubscribed"), false);
}

}  // namespace
}  // namespace parlab
