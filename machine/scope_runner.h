// Runs a measured body on every worker of a probe scope at once, each worker pinned to
// its own CPU, and times the whole: from the first worker's start to the last one's end.
#pragma once

#include <mpi.h>

#include <functional>
#include <string>
#include <vector>

namespace parlab {

// Body of one worker: `worker` in [0, workers), `repetitions` times its unit of work.
using WorkerBody = std::function<void(int worker, long long repetitions)>;

class ScopeRunner {
 public:
  // `threads` OpenMP threads of this rank, thread i pinned to the i-th CPU this process
  // may use (as long as there are that many).
  static ScopeRunner Threads(int threads);
  // One thread on each rank of `node` (the communicator of one node's ranks). Ranks
  // numbered `workers` or above on it only keep step (they wait sleeping, not spinning),
  // so an oversubscribed node measures no more ranks than it has CPUs.
  static ScopeRunner NodeRanks(MPI_Comm node, int workers);

  int workers() const { return workers_; }
  // Seconds all Run() calls took so far: the same on every rank of the node, so budget
  // decisions taken from it agree.
  double spent() const { return spent_; }
  // Runs body on every worker; wall seconds, the same on every rank of the node.
  // Collective over the node for NodeRanks.
  double Run(const WorkerBody& body, long long repetitions) const;
  // Throws std::runtime_error with the first worker's error when any has one (all ranks
  // of the node agree, so none is left waiting). Collective over the node for NodeRanks.
  void Agree(const std::string& local_error) const;

 private:
  ScopeRunner(int workers, MPI_Comm node) : workers_(workers), node_(node) {}
  double RunThreads(const WorkerBody& body, long long repetitions) const;
  double RunNodeRanks(const WorkerBody& body, long long repetitions) const;
  int workers_;
  MPI_Comm node_;  // MPI_COMM_NULL for threads
  mutable double spent_ = 0;
};

// The CPUs this process may run on (sched_getaffinity), ascending.
std::vector<int> AllowedCpus();

// Best-of-trials timing. The repetition count grows until a run lasts `min_seconds`
// judged by the fastest time per repetition seen (so one run slowed by the scheduler
// cannot end the search early); those runs warm caches, clocks and pages up, and only the
// last, long enough one is kept as the first trial. Then more runs up to `trials`.
// `repetitions_hint` (optional) is where the search starts, when a neighbouring
// measurement found a count (the first run may then be kept at once), and receives the
// count used. Returns each trial's rate: work_per_repetition * repetitions / seconds /
// 1e9 (work of all workers together).
std::vector<double> TimeTrials(const ScopeRunner& runner, const WorkerBody& body,
                               double work_per_repetition, int trials, double min_seconds,
                               long long* repetitions_hint = nullptr);

}  // namespace parlab
