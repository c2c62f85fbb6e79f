// An interpreter-style global lock (CPython's "new GIL", 3.2+): a worker computes only
// while it holds the lock. A waiting worker that sees no switch for one interval asks
// the holder to drop it; the holder honours the request at its next Checkpoint(), waits
// until another worker has taken the lock (forced switching), then queues again. Waits
// wrapped in Worker::Blocking() release the lock, as blocking calls do in CPython.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "core/team.h"

namespace parlab {

class GlobalLock final : public WorkerLock {
 public:
  GlobalLock(int workers, double switch_interval_s);

  void Acquire(int worker) override;
  void Release(int worker) override;
  bool SwitchRequested() const override {
    return drop_request_.load(std::memory_order_relaxed);
  }
  void Yield(int worker) override;
  std::vector<double> TakeWaitSeconds() override;

  long long switches() const;

 private:
  void AcquireLocked(std::unique_lock<std::mutex>& lock, int worker);

  const std::chrono::duration<double> interval_;
  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::condition_variable switched_;
  bool locked_ = false;
  int waiting_ = 0;
  long long switches_ = 0;
  std::atomic<bool> drop_request_{false};
  std::vector<double> wait_seconds_;
};

}  // namespace parlab
