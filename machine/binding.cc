#include "machine/binding.h"

#include <fmt/format.h>
#include <omp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <set>

#include "core/collective.h"
#include "core/mpi_util.h"

namespace parlab {
namespace {

// The NUMA node (OS index) of each CPU of the topology.
std::map<int, int> NumaOfCpus(const Topology& topology) {
  std::map<int, int> nodes;
  for (const TopologyCore& core : topology.cores) {
    if (core.numa < 0 || core.numa >= static_cast<int>(topology.numa_os_index.size())) continue;
    for (int pu : core.pus) nodes[pu] = topology.numa_os_index[core.numa];
  }
  return nodes;
}

std::string NodeList(const std::set<int>& nodes) {
  return FormatCpuList(CpuList(nodes.begin(), nodes.end()));
}

}  // namespace

std::string BindThisThread(const CpuList& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cpus) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) return fmt::format("CPU {} is out of range", cpu);
    CPU_SET(cpu, &set);
  }
  if (sched_setaffinity(0, sizeof set, &set) == 0) return "";
  return fmt::format("cannot bind to CPUs {}: {}", FormatCpuList(cpus), std::strerror(errno));
}

BindingGuard::BindingGuard(const RankPlan& rank) {
  if (rank.thread_cpu.empty()) return;
  threads_ = static_cast<int>(rank.thread_cpu.size());
  saved_.resize(static_cast<std::size_t>(threads_));
  tids_.assign(static_cast<std::size_t>(threads_), 0);
  std::vector<std::string> problems(static_cast<std::size_t>(threads_));
  int started = 0;
#pragma omp parallel num_threads(threads_)
  {
    const auto id = static_cast<std::size_t>(omp_get_thread_num());
    if (id == 0) started = omp_get_num_threads();
    CPU_ZERO(&saved_[id]);
    if (sched_getaffinity(0, sizeof(cpu_set_t), &saved_[id]) != 0) {
      problems[id] = "cannot read its affinity, so it is left unbound";
    } else {
      tids_[id] = gettid();
      problems[id] = BindThisThread({rank.thread_cpu[id]});
    }
  }
  restored_ = false;
  if (started < threads_)
    errors_.push_back(
        fmt::format("OpenMP started {} of the {} threads planned", started, threads_));
  for (int t = 0; t < threads_; ++t)
    if (!problems[t].empty()) errors_.push_back(fmt::format("thread {}: {}", t, problems[t]));
}

BindingGuard::~BindingGuard() {
  if (!restored_) Restore();
}

std::vector<std::string> BindingGuard::Restore() {
  std::vector<std::string> out;
  if (restored_) return out;
  restored_ = true;
  std::vector<std::string> problems(static_cast<std::size_t>(threads_));
#pragma omp parallel num_threads(threads_)
  {
    const auto id = static_cast<std::size_t>(omp_get_thread_num());
    if (tids_[id] != 0 && tids_[id] != gettid())
      problems[id] = "OpenMP runs this position on another OS thread than the one bound; "
                     "that one keeps its binding";
    else if (tids_[id] != 0 && sched_setaffinity(0, sizeof(cpu_set_t), &saved_[id]) != 0)
      problems[id] = fmt::format("cannot restore its affinity: {}", std::strerror(errno));
  }
  for (int t = 0; t < threads_; ++t)
    if (!problems[t].empty()) out.push_back(fmt::format("thread {}: {}", t, problems[t]));
  return out;
}

std::vector<ThreadWhere> WhereTeamRuns(int threads) {
  std::vector<ThreadWhere> where(static_cast<std::size_t>(threads));
#pragma omp parallel num_threads(threads)
  {
    const int id = omp_get_thread_num();
    ThreadWhere& w = where[static_cast<std::size_t>(id)];
    w.thread = id;
    w.affinity = AffinityOfThisThread();
    w.cpu = sched_getcpu();
  }
  // Positions OpenMP did not start keep thread = 0 and no CPU: name them.
  for (int t = 0; t < threads; ++t) where[static_cast<std::size_t>(t)].thread = t;
  return where;
}

CpuList CpuSampler::Seen(int thread) const {
  const auto& seen = slots_[static_cast<std::size_t>(thread)].seen;
  CpuList cpus;
  for (std::size_t cpu = 0; cpu < seen.size(); ++cpu)
    if (seen.test(cpu)) cpus.push_back(static_cast<int>(cpu));
  return cpus;
}

PageNodes SamplePageNodes(const void* data, std::size_t bytes, int max_pages) {
  PageNodes result;
  if (data == nullptr || bytes == 0 || max_pages < 1) return result;
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto first = reinterpret_cast<std::uintptr_t>(data) / page;
  const auto last = (reinterpret_cast<std::uintptr_t>(data) + bytes - 1) / page;
  const std::uintptr_t span = last - first + 1;
  const auto count = static_cast<std::size_t>(
      std::min<std::uintptr_t>(span, static_cast<std::uintptr_t>(max_pages)));
  std::vector<void*> pages(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uintptr_t step = count > 1 ? i * (span - 1) / (count - 1) : 0;
    pages[i] = reinterpret_cast<void*>((first + step) * page);
  }
  std::vector<int> status(count, 0);
  // nodes = NULL: move_pages only reports where each page is.
  if (syscall(SYS_move_pages, 0, count, pages.data(), nullptr, status.data(), 0) != 0) {
    result.error = fmt::format("move_pages: {}", std::strerror(errno));
    return result;
  }
  result.sampled = static_cast<int>(count);
  for (int s : status) {
    if (s >= 0) ++result.per_node[s];
    else ++result.not_present;
  }
  return result;
}

std::vector<std::string> CompareWithPlan(const Topology& topology, const RankPlan& plan,
                                         int rank, const std::vector<ThreadWhere>& where,
                                         const CpuSampler* sampler, const PageNodes* pages) {
  std::vector<std::string> warnings;
  if (plan.thread_cpu.empty()) return warnings;
  for (std::size_t t = 0; t < plan.thread_cpu.size(); ++t) {
    const int planned = plan.thread_cpu[t];
    if (t >= where.size() || where[t].affinity.empty()) {
      warnings.push_back(fmt::format("rank {} thread {}: planned on CPU {}, but it did not "
                                     "report where it runs", rank, t, planned));
      continue;
    }
    if (where[t].affinity != CpuList{planned})
      warnings.push_back(fmt::format("rank {} thread {}: planned on CPU {}, but its affinity "
                                     "is CPUs {}", rank, t, planned,
                                     FormatCpuList(where[t].affinity)));
    CpuList seen = where[t].cpu >= 0 ? CpuList{where[t].cpu} : CpuList{};
    if (sampler != nullptr && static_cast<int>(t) < sampler->threads())
      seen = Union(seen, sampler->Seen(static_cast<int>(t)));
    if (!seen.empty() && seen != CpuList{planned})
      warnings.push_back(fmt::format("rank {} thread {}: planned on CPU {}, but it ran on "
                                     "CPUs {}", rank, t, planned, FormatCpuList(seen)));
  }
  if (pages == nullptr || pages->sampled == 0) return warnings;
  const std::map<int, int> numa_of = NumaOfCpus(topology);
  std::set<int> expected;
  for (int cpu : plan.cpus)
    if (const auto it = numa_of.find(cpu); it != numa_of.end()) expected.insert(it->second);
  std::set<int> elsewhere;
  int outside = 0;
  for (const auto& [node, count] : pages->per_node) {
    if (expected.count(node) != 0) continue;
    elsewhere.insert(node);
    outside += count;
  }
  if (outside > 0)
    warnings.push_back(fmt::format("rank {}: {} of {} sampled pages of its data are on NUMA "
                                   "node(s) {}, not on its CPUs' node(s) {}", rank, outside,
                                   pages->sampled, NodeList(elsewhere), NodeList(expected)));
  return warnings;
}

NodeSlot NodeSlotOf(MPI_Comm comm) {
  const std::vector<int> leaders = NodeLeaders(comm);
  const int rank = Rank(comm);
  NodeSlot slot{0, 0};
  for (int r = 0; r < static_cast<int>(leaders.size()); ++r) {
    if (leaders[r] != leaders[static_cast<std::size_t>(rank)]) continue;
    if (r < rank) ++slot.local_rank;
    ++slot.ranks_on_node;
  }
  return slot;
}

}  // namespace parlab
