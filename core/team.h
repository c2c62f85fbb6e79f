// The threads of one rank, as a kernel sees them. Execution models decide how many
// threads there are and whether they must hold a shared lock (the `gil` model) while
// they compute; kernels only call Checkpoint() between chunks of work and wrap waits
// in Blocking(), so the same kernel code runs under every model.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace parlab {

// Implemented by models that serialise workers (an interpreter-style global lock).
class WorkerLock {
 public:
  virtual ~WorkerLock() = default;
  virtual void Acquire(int worker) = 0;
  virtual void Release(int worker) = 0;
  // Cheap check, called often: has another worker asked for the lock?
  virtual bool SwitchRequested() const = 0;
  // Hand the lock to a waiting worker, then take it back.
  virtual void Yield(int worker) = 0;
  // Seconds each worker spent waiting for the lock since the last call; resets.
  virtual std::vector<double> TakeWaitSeconds() = 0;
};

class Worker {
 public:
  Worker(int id, int count, WorkerLock* lock) : id_(id), count_(count), lock_(lock) {}
  int id() const { return id_; }
  int count() const { return count_; }
  bool shares_lock() const { return lock_ != nullptr; }

  void Checkpoint() {
    if (lock_ != nullptr && lock_->SwitchRequested()) lock_->Yield(id_);
  }

  // Runs a wait (sleep, I/O, message) with the lock released, as CPython does.
  template <class F>
  void Blocking(F&& wait) {
    if (lock_ != nullptr) lock_->Release(id_);
    wait();
    if (lock_ != nullptr) lock_->Acquire(id_);
  }

 private:
  int id_;
  int count_;
  WorkerLock* lock_;
};

struct ThreadPlacement {
  int thread = 0;
  int team_size = 0;    // omp_get_num_threads() of the region that measured it
  int place = -1;       // omp_get_place_num(), -1 when threads are not bound to places
  std::string cpus;     // sched_getaffinity as a CPU list, e.g. "0-1"
  int cpu_count = 0;
};

class Team {
 public:
  Team(int threads, WorkerLock* lock, bool event_loop = false)
      : threads_(threads), lock_(lock), event_loop_(event_loop) {}
  int size() const { return threads_; }
  // True under the async model: one thread that keeps every task's wait pending at once
  // and serves completions from an event loop. Kernels with an event-loop form use it.
  bool event_loop() const { return event_loop_; }

  // Runs body once on each of size() OpenMP threads (a team of one: on the calling thread)
  // and returns when all have finished.
  // The first exception thrown by any thread is rethrown here.
  void Run(const std::function<void(Worker&)>& body);

  // Where each thread actually runs (measured inside a parallel region).
  std::vector<ThreadPlacement> Placements();

  // Called by every worker, with its id, at the start of each Run: a cheap probe of where
  // it runs inside the timed region (a bound run samples its CPU). Empty: no call.
  void SetWorkerProbe(std::function<void(int)> probe) { probe_ = std::move(probe); }

  // Mean seconds a worker waited for the shared lock since the last call (0 without one).
  double TakeMeanLockWaitSeconds();

 private:
  int threads_;
  WorkerLock* lock_;
  bool event_loop_;
  std::function<void(int)> probe_;
};

// Half-open range [begin, end) of part `index` when n items are split into `parts`
// nearly equal contiguous parts (the first n % parts parts get one more).
struct Range {
  long long begin;
  long long end;
  long long size() const { return end - begin; }
};
Range Partition(long long n, int parts, int index);

std::string CpuListOfThisThread(int* count);

}  // namespace parlab
