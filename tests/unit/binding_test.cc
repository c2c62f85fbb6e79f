// Binding on the real machine: a compact plan puts each thread on its own core for the
// guard's lifetime only; where threads ran and where pages are is checked against plans.
#include <gtest/gtest.h>
#include <mpi.h>
#include <omp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <set>

#include "core/collective.h"
#include "machine/binding.h"

namespace parlab {
namespace {

std::vector<CpuList> TeamAffinities(int threads) {
  std::vector<CpuList> out;
  for (const ThreadWhere& w : WhereTeamRuns(threads)) out.push_back(w.affinity);
  return out;
}

// This machine, within the CPUs this process was given.
Topology Usable() { return Restrict(LoadThisMachine(), AffinityOfThisThread(), "test"); }

TEST(Binding, CompactPutsTwoThreadsOnTheirOwnCoresForTheGuardsLifetime) {
  const Topology t = Usable();
  if (t.cores.size() < 2) GTEST_SKIP() << "needs 2 cores, has " << t.Describe();
  const NodePlan plan = PlanNode(t, {1, 2}, ParsePlacement("compact"), false);
  const RankPlan& rank = plan.ranks[0];
  ASSERT_FALSE(plan.oversubscribed);
  const CpuList main_before = AffinityOfThisThread();
  const std::vector<CpuList> team_before = TeamAffinities(2);
  {
    BindingGuard guard(rank);
    EXPECT_TRUE(guard.errors().empty()) << guard.errors().front();
    EXPECT_EQ(AffinityOfThisThread(), CpuList{rank.thread_cpu[0]});  // the main thread too
    CpuSampler sampler(2);
#pragma omp parallel num_threads(2)
    {
      for (int i = 0; i < 1000; ++i) sampler.Sample(omp_get_thread_num());
    }
    const std::vector<ThreadWhere> where = WhereTeamRuns(2);
    std::set<int> cores;
    for (int thread = 0; thread < 2; ++thread) {
      EXPECT_EQ(where[thread].affinity, CpuList{rank.thread_cpu[thread]});
      EXPECT_EQ(where[thread].cpu, rank.thread_cpu[thread]);
      EXPECT_EQ(sampler.Seen(thread), CpuList{rank.thread_cpu[thread]});
      EXPECT_EQ(sampler.samples(thread), 1000);
      for (int c = 0; c < static_cast<int>(t.cores.size()); ++c)
        if (t.cores[c].pus.front() == where[thread].cpu) cores.insert(c);
    }
    EXPECT_EQ(cores.size(), 2u) << "both threads on one core";
    EXPECT_TRUE(CompareWithPlan(t, rank, 0, where, &sampler, nullptr).empty());
  }
  EXPECT_EQ(AffinityOfThisThread(), main_before);
  EXPECT_EQ(TeamAffinities(2), team_before);
}

// Run alone (as ctest does), the guard's region creates OpenMP's threads: they must come
// back to the affinity they were created with, the caller's before binding.
TEST(Binding, ThreadsTheGuardCreatesGetTheCallersAffinityBack) {
  const Topology t = Usable();
  if (t.cores.size() < 2) GTEST_SKIP() << "needs 2 cores, has " << t.Describe();
  const CpuList before = AffinityOfThisThread();
  {
    BindingGuard guard(PlanNode(t, {1, 2}, ParsePlacement("compact"), false).ranks[0]);
    EXPECT_TRUE(guard.errors().empty());
  }
  EXPECT_EQ(TeamAffinities(2), std::vector<CpuList>(2, before));
}

TEST(Binding, ExplicitRestoreThenDestructorDoesNothingMore) {
  const Topology t = Usable();
  const NodePlan plan = PlanNode(t, {1, 1}, ParsePlacement("compact"), false);
  const CpuList before = AffinityOfThisThread();
  BindingGuard guard(plan.ranks[0]);
  EXPECT_EQ(AffinityOfThisThread(), CpuList{plan.ranks[0].thread_cpu[0]});
  EXPECT_TRUE(guard.Restore().empty());
  EXPECT_EQ(AffinityOfThisThread(), before);
  EXPECT_TRUE(guard.Restore().empty());
}

TEST(Binding, UnboundPlanChangesNothing) {
  const NodePlan plan = PlanNode(Usable(), {1, 2}, ParsePlacement("none"), false);
  const std::vector<CpuList> before = TeamAffinities(2);
  BindingGuard guard(plan.ranks[0]);
  EXPECT_TRUE(guard.errors().empty());
  EXPECT_EQ(TeamAffinities(2), before);
}

TEST(Binding, ACpuThatCannotBeUsedIsReportedAndNothingChanges) {
  RankPlan rank;
  rank.thread_cpu = {CPU_SETSIZE - 1};  // no machine here has CPU 1023 online
  rank.cpus = rank.thread_cpu;
  const CpuList before = AffinityOfThisThread();
  {
    BindingGuard guard(rank);
    ASSERT_EQ(guard.errors().size(), 1u);
    EXPECT_EQ(guard.errors()[0].rfind("thread 0: cannot bind to CPUs 1023: ", 0), 0u)
        << guard.errors()[0];
    EXPECT_EQ(AffinityOfThisThread(), before);
  }
  EXPECT_EQ(AffinityOfThisThread(), before);
  EXPECT_NE(BindThisThread({-1}), "");
}

TEST(Binding, PageNodesOfTouchedAndUntouchedPages) {
  const long page = sysconf(_SC_PAGESIZE);
  const std::size_t bytes = static_cast<std::size_t>(page) * 64;
  void* raw = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(raw, MAP_FAILED);
  auto* data = static_cast<char*>(raw);
  for (int p = 0; p < 32; ++p) data[static_cast<std::size_t>(p * page)] = 1;  // first touch
  const PageNodes pages = SamplePageNodes(data, bytes, 64);
  const PageNodes few = SamplePageNodes(data, bytes, 4);
  munmap(raw, bytes);
  if (!pages.error.empty()) GTEST_SKIP() << pages.error;
  EXPECT_EQ(pages.sampled, 64);
  EXPECT_EQ(pages.not_present, 32);
  int present = 0;
  const Topology t = LoadThisMachine();
  for (const auto& [node, count] : pages.per_node) {
    present += count;
    EXPECT_NE(std::find(t.numa_os_index.begin(), t.numa_os_index.end(), node),
              t.numa_os_index.end()) << "node " << node;
  }
  EXPECT_EQ(present, 32);
  EXPECT_EQ(few.sampled, 4);  // pages 0, 21, 42, 63: two touched, two not
  EXPECT_EQ(few.not_present, 2);
  EXPECT_EQ(SamplePageNodes(nullptr, 10).sampled, 0);
}

TEST(Binding, ComparisonWarnsAboutEveryMismatch) {
  const Topology t = LoadSynthetic("pack:2 numa:2 core:8 pu:2");
  const NodePlan plan = PlanNode(t, {2, 2}, ParsePlacement("numa"), false);
  const RankPlan& rank = plan.ranks[1];  // NUMA 1: CPUs 16 and 18
  std::vector<ThreadWhere> where = {{0, {16}, 16}, {1, {18}, 18}};
  PageNodes pages;
  pages.sampled = 64;
  pages.per_node = {{1, 64}};
  EXPECT_TRUE(CompareWithPlan(t, rank, 1, where, nullptr, &pages).empty());

  where[1] = {1, ParseCpuList("0-63"), 40};
  pages.per_node = {{1, 60}, {0, 3}, {3, 1}};
  CpuSampler sampler(2);
  const std::vector<std::string> warnings = CompareWithPlan(t, rank, 1, where, &sampler, &pages);
  EXPECT_EQ(warnings, (std::vector<std::string>{
                          "rank 1 thread 1: planned on CPU 18, but its affinity is CPUs 0-63",
                          "rank 1 thread 1: planned on CPU 18, but it ran on CPUs 40",
                          "rank 1: 4 of 64 sampled pages of its data are on NUMA node(s) 0,3, "
                          "not on its CPUs' node(s) 1"}));
  where.pop_back();
  EXPECT_EQ(CompareWithPlan(t, rank, 1, where, nullptr, nullptr).back(),
            "rank 1 thread 1: planned on CPU 18, but it did not report where it runs");
  const NodePlan none = PlanNode(t, {2, 2}, ParsePlacement("none"), false);
  EXPECT_TRUE(CompareWithPlan(t, none.ranks[0], 0, where, nullptr, &pages).empty());
}

// Collective. Under `mpirun -n 2` on this 2-core machine each rank binds to its own core.
TEST(BindingMpi, CompactRanksOfANodeEachGetTheirOwnCore) {
  const NodeTopologies nodes = GatherNodeTopologies(MPI_COMM_WORLD, LoadThisMachine());
  const NodeSlot slot = NodeSlotOf(MPI_COMM_WORLD);
  const Topology& t = nodes.mine;
  if (slot.ranks_on_node > static_cast<int>(t.cores.size()))
    GTEST_SKIP() << slot.ranks_on_node << " ranks, " << t.cores.size() << " cores";
  const NodePlan plan = PlanNode(t, {slot.ranks_on_node, 1}, ParsePlacement("compact"), false);
  const RankPlan& mine = plan.ranks[static_cast<std::size_t>(slot.local_rank)];
  int cpu = -1;
  {
    BindingGuard guard(mine);
    EXPECT_TRUE(guard.errors().empty());
    cpu = sched_getcpu();
    EXPECT_EQ(AffinityOfThisThread(), mine.cpus);
  }
  EXPECT_EQ(cpu, mine.thread_cpu[0]);
  const std::vector<int> leaders = NodeLeaders(MPI_COMM_WORLD);
  std::vector<int> cpus(leaders.size());
  MPI_Allgather(&cpu, 1, MPI_INT, cpus.data(), 1, MPI_INT, MPI_COMM_WORLD);
  std::set<std::pair<int, int>> distinct;  // (node, CPU)
  for (std::size_t r = 0; r < cpus.size(); ++r) distinct.insert({leaders[r], cpus[r]});
  EXPECT_EQ(distinct.size(), cpus.size()) << "two ranks of a node on one CPU";
}

}  // namespace
}  // namespace parlab
