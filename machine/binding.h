// Putting a rank's threads where its plan (placement.h) says, for one run only, and
// checking afterwards where they ran and where their data's pages are.
#pragma once

#include <mpi.h>
#include <sched.h>
#include <sys/types.h>

#include <bitset>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "machine/placement.h"

namespace parlab {

// Binds the calling thread to `cpus` (sched_setaffinity); "" or why it could not.
std::string BindThisThread(const CpuList& cpus);

// Binds the calling thread (OpenMP thread 0 of the team it starts) and the other threads
// of an OpenMP team of rank.thread_cpu.size() threads, each to its planned CPU, from
// inside one parallel region: threads the region creates inherit the caller's affinity
// before it changes. Restore() (or the destructor) puts every thread's own previous
// affinity back from a region of the same size. An unbound plan changes nothing. Run the
// kernel's teams with the same thread count, so OpenMP reuses these threads.
class BindingGuard {
 public:
  explicit BindingGuard(const RankPlan& rank);
  ~BindingGuard();
  BindingGuard(const BindingGuard&) = delete;
  BindingGuard& operator=(const BindingGuard&) = delete;

  // What went wrong while binding, one line per problem; empty when every thread is bound.
  const std::vector<std::string>& errors() const { return errors_; }
  // Restores the previous affinities now; the problems (a different OS thread at a team
  // position than at binding time, a failed call). Later calls do nothing.
  std::vector<std::string> Restore();

 private:
  int threads_ = 0;
  std::vector<cpu_set_t> saved_;  // per team position: its affinity before binding
  std::vector<pid_t> tids_;       // per team position: the OS thread that was bound
  std::vector<std::string> errors_;
  bool restored_ = true;
};

// Where each thread of an OpenMP team of `threads` threads may run and is running.
struct ThreadWhere {
  int thread = 0;
  CpuList affinity;  // sched_getaffinity
  int cpu = -1;      // sched_getcpu at the moment of asking
};
std::vector<ThreadWhere> WhereTeamRuns(int threads);

// Records the CPUs threads are on, cheaply enough to call inside a timed region (one
// sched_getcpu, a vDSO call, and a bit set in the thread's own cache line; no locks).
// Thread t calls Sample(t) only from one thread at a time; read it after the team joins.
class CpuSampler {
 public:
  explicit CpuSampler(int threads) : slots_(static_cast<std::size_t>(threads)) {}
  void Sample(int thread) noexcept {
    const int cpu = sched_getcpu();
    Slot& slot = slots_[static_cast<std::size_t>(thread)];
    if (cpu >= 0 && cpu < CPU_SETSIZE) slot.seen.set(static_cast<std::size_t>(cpu));
    ++slot.samples;
  }
  int threads() const { return static_cast<int>(slots_.size()); }
  CpuList Seen(int thread) const;
  long long samples(int thread) const { return slots_[static_cast<std::size_t>(thread)].samples; }

 private:
  struct alignas(64) Slot {
    std::bitset<CPU_SETSIZE> seen;
    long long samples = 0;
  };
  std::vector<Slot> slots_;
};

// The NUMA nodes (OS indices) of up to `max_pages` pages spread evenly over a buffer,
// asked with move_pages(2) without moving anything.
struct PageNodes {
  int sampled = 0;
  std::map<int, int> per_node;  // NUMA OS index -> sampled pages there
  int not_present = 0;          // pages not touched yet (no node)
  std::string error;            // move_pages failed as a whole (e.g. a kernel without NUMA)
};
PageNodes SamplePageNodes(const void* data, std::size_t bytes, int max_pages = 64);

// Plan against observation for one rank (`rank` names it in the warnings): each thread's
// affinity and the CPUs it was seen on (from `where`, and `sampler` when given) must be
// its planned CPU; sampled pages (when given) must be on the NUMA nodes of the rank's
// CPUs. One warning per mismatch; none for an unbound plan.
std::vector<std::string> CompareWithPlan(const Topology& topology, const RankPlan& plan,
                                         int rank, const std::vector<ThreadWhere>& where,
                                         const CpuSampler* sampler, const PageNodes* pages);

// Collective over comm: this rank's position among comm's ranks on its node, and how many
// of comm's ranks share the node (the NodeShape::ranks to plan the node with).
struct NodeSlot {
  int local_rank = 0;
  int ranks_on_node = 1;
};
NodeSlot NodeSlotOf(MPI_Comm comm);

}  // namespace parlab
