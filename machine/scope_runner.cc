#include "machine/scope_runner.h"

#include <omp.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/collective.h"
#include "core/mpi_util.h"

namespace parlab {
namespace {

// Pins the calling thread to one CPU; gives it its old affinity back on scope exit.
class PinnedToCpu {
 public:
  explicit PinnedToCpu(int cpu) {
    if (cpu < 0 || sched_getaffinity(0, sizeof saved_, &saved_) != 0) return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pinned_ = sched_setaffinity(0, sizeof one, &one) == 0;
  }
  ~PinnedToCpu() {
    if (pinned_) sched_setaffinity(0, sizeof saved_, &saved_);
  }
  PinnedToCpu(const PinnedToCpu&) = delete;
  PinnedToCpu& operator=(const PinnedToCpu&) = delete;

 private:
  cpu_set_t saved_{};
  bool pinned_ = false;
};

int CpuFor(const std::vector<int>& cpus, int worker) {
  return worker < static_cast<int>(cpus.size()) ? cpus[worker] : -1;
}

// Completes a request; a rank with nothing to do sleeps between polls (WaitSleeping), so
// it leaves its CPU to the ranks being measured.
void Complete(MPI_Request& request, bool sleep) {
  if (sleep) WaitSleeping(request);
  else MPI_Wait(&request, MPI_STATUS_IGNORE);
}

}  // namespace

std::vector<int> AllowedCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

ScopeRunner ScopeRunner::Threads(int threads) {
  return ScopeRunner(std::max(1, threads), MPI_COMM_NULL);
}

ScopeRunner ScopeRunner::NodeRanks(MPI_Comm node, int workers) {
  return ScopeRunner(std::max(1, workers), node);
}

double ScopeRunner::Run(const WorkerBody& body, long long repetitions) const {
  const double seconds = node_ == MPI_COMM_NULL ? RunThreads(body, repetitions)
                                                : RunNodeRanks(body, repetitions);
  spent_ += seconds;
  return seconds;
}

double ScopeRunner::RunThreads(const WorkerBody& body, long long repetitions) const {
  const std::vector<int> cpus = AllowedCpus();
  std::vector<double> start(static_cast<std::size_t>(workers_), 0);
  std::vector<double> end(static_cast<std::size_t>(workers_), 0);
  std::exception_ptr error;
  int team = 0;
#pragma omp parallel num_threads(workers_)
  {
    const int me = omp_get_thread_num();
#pragma omp single
    team = omp_get_num_threads();
    const PinnedToCpu pin(CpuFor(cpus, me));
#pragma omp barrier
    start[me] = NowSeconds();
    try {
      if (team == workers_) body(me, repetitions);
    } catch (...) {
#pragma omp critical
      error = std::current_exception();
    }
    end[me] = NowSeconds();
  }
  if (error) std::rethrow_exception(error);
  if (team != workers_)
    throw std::runtime_error("OpenMP ran " + std::to_string(team) + " of the " +
                             std::to_string(workers_) + " threads asked for");
  return *std::max_element(end.begin(), end.end()) -
         *std::min_element(start.begin(), start.end());
}

double ScopeRunner::RunNodeRanks(const WorkerBody& body, long long repetitions) const {
  int rank = 0;
  MPI_Comm_rank(node_, &rank);
  const bool active = rank < workers_;
  const PinnedToCpu pin(active ? CpuFor(AllowedCpus(), rank) : -1);
  MPI_Request request;
  MPI_Ibarrier(node_, &request);
  Complete(request, !active);
  double span[2] = {-1e300, -1e300};  // {-start, end}, reduced with MAX
  if (active) {
    span[0] = -NowSeconds();
    body(rank, repetitions);
    span[1] = NowSeconds();
  }
  MPI_Iallreduce(MPI_IN_PLACE, span, 2, MPI_DOUBLE, MPI_MAX, node_, &request);
  Complete(request, !active);
  return span[1] + span[0];
}

void ScopeRunner::Agree(const std::string& local_error) const {
  if (node_ == MPI_COMM_NULL) {
    if (!local_error.empty()) throw std::runtime_error(local_error);
    return;
  }
  try {
    AgreeOrThrow(node_, local_error);
  } catch (const CollectiveError& e) {
    throw std::runtime_error(e.what());
  }
}

std::vector<double> TimeTrials(const ScopeRunner& runner, const WorkerBody& body,
                               double work_per_repetition, int trials, double min_seconds,
                               long long* repetitions_hint) {
  const auto rate = [&](long long reps, double seconds) {
    return work_per_repetition * static_cast<double>(reps) / std::max(seconds, 1e-12) / 1e9;
  };
  const bool hinted = repetitions_hint != nullptr && *repetitions_hint > 0;
  long long repetitions = hinted ? *repetitions_hint : 1;
  // The fastest time per repetition seen decides: a run slowed by the scheduler (or by
  // fixed costs) can only make a repetition look slower, never faster.
  double best_per_repetition = 1e300;
  std::vector<double> rates;
  for (int round = 0; round < 40; ++round) {
    const double seconds = runner.Run(body, repetitions);
    best_per_repetition = std::min(best_per_repetition, seconds / static_cast<double>(repetitions));
    const double needed = std::ceil(min_seconds / std::max(best_per_repetition, 1e-12));
    if (static_cast<double>(repetitions) >= needed && (round > 0 || hinted)) {
      rates.push_back(rate(repetitions, seconds));  // long enough: it counts as a trial
      // A hint from a faster neighbour can be far too many: trim to what is needed.
      repetitions = std::min(repetitions, static_cast<long long>(std::ceil(1.1 * needed)));
      break;
    }
    const double grown = std::clamp(1.25 * needed, 2.0 * static_cast<double>(repetitions),
                                    64.0 * static_cast<double>(repetitions));
    repetitions = static_cast<long long>(grown);
  }
  while (static_cast<int>(rates.size()) < trials)
    rates.push_back(rate(repetitions, runner.Run(body, repetitions)));
  if (repetitions_hint != nullptr) *repetitions_hint = repetitions;
  return rates;
}

}  // namespace parlab
