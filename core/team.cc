#include "core/team.h"

#include <omp.h>
#include <sched.h>

#include <exception>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>

namespace parlab {

void Team::Run(const std::function<void(Worker&)>& body) {
  const auto work = [&](Worker& worker) {
    if (probe_) probe_(worker.id());
    if (lock_ != nullptr) lock_->Acquire(worker.id());
    body(worker);
    if (lock_ != nullptr) lock_->Release(worker.id());
  };
  if (threads_ == 1) {
    // On the calling thread: a one-thread parallel region costs 0.3-0.4 us per call, which
    // a kernel that calls Run every sweep (a small stencil) would measure as its own time.
    Worker worker(0, 1, lock_);
    work(worker);
    return;
  }
  std::exception_ptr first_error;
  std::mutex error_mutex;
#pragma omp parallel num_threads(threads_)
  {
    Worker worker(omp_get_thread_num(), omp_get_num_threads(), lock_);
    try {
      if (worker.count() != threads_)  // every worker sees it: none waits for a missing one
        throw std::runtime_error("the OpenMP runtime gave " + std::to_string(worker.count()) +
                                 " of the " + std::to_string(threads_) + " threads asked for");
      work(worker);
    } catch (...) {
      std::lock_guard guard(error_mutex);
      if (!first_error) first_error = std::current_exception();
    }
  }
  if (first_error) std::rethrow_exception(first_error);
}

std::string CpuListOfThisThread(int* count) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) {
    if (count != nullptr) *count = 0;
    return "unknown";
  }
  std::string list;
  int total = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    int last = cpu;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) ++last;
    if (!list.empty()) list += ',';
    list += std::to_string(cpu);
    if (last > cpu) list += '-' + std::to_string(last);
    total += last - cpu + 1;
    cpu = last;
  }
  if (count != nullptr) *count = total;
  return list;
}

std::vector<ThreadPlacement> Team::Placements() {
  std::vector<ThreadPlacement> placements(threads_);
#pragma omp parallel num_threads(threads_)
  {
    ThreadPlacement& p = placements[omp_get_thread_num()];
    p.thread = omp_get_thread_num();
    p.team_size = omp_get_num_threads();
    p.place = omp_get_place_num();
    p.cpus = CpuListOfThisThread(&p.cpu_count);
  }
  return placements;
}

double Team::TakeMeanLockWaitSeconds() {
  if (lock_ == nullptr) return 0.0;
  std::vector<double> waits = lock_->TakeWaitSeconds();
  if (waits.empty()) return 0.0;
  return std::accumulate(waits.begin(), waits.end(), 0.0) / static_cast<double>(waits.size());
}

Range Partition(long long n, int parts, int index) {
  const long long base = n / parts;
  const long long extra = n % parts;
  const long long begin = index * base + std::min<long long>(index, extra);
  return {begin, begin + base + (index < extra ? 1 : 0)};
}

}  // namespace parlab
