#include "models/global_lock.h"

#include "core/phase_timer.h"

namespace parlab {

GlobalLock::GlobalLock(int workers, double switch_interval_s)
    : interval_(switch_interval_s), wait_seconds_(static_cast<std::size_t>(workers), 0.0) {}

void GlobalLock::Acquire(int worker) {
  std::unique_lock lock(mutex_);
  AcquireLocked(lock, worker);
}

void GlobalLock::AcquireLocked(std::unique_lock<std::mutex>& lock, int worker) {
  const double start = NowSeconds();
  if (locked_) {
    ++waiting_;
    while (locked_) {
      const long long seen = switches_;
      const bool timed_out = released_.wait_for(lock, interval_) == std::cv_status::timeout;
      if (timed_out && locked_ && switches_ == seen)
        drop_request_.store(true, std::memory_order_relaxed);
    }
    --waiting_;
  }
  locked_ = true;
  ++switches_;
  drop_request_.store(false, std::memory_order_relaxed);
  wait_seconds_[static_cast<std::size_t>(worker)] += NowSeconds() - start;
  switched_.notify_all();
}

void GlobalLock::Release(int /*worker*/) {
  {
    std::lock_guard lock(mutex_);
    locked_ = false;
  }
  released_.notify_one();
}

void GlobalLock::Yield(int worker) {
  std::unique_lock lock(mutex_);
  locked_ = false;
  const long long dropped_at = switches_;
  released_.notify_one();
  // Forced switching: do not take the lock back before someone else has had it.
  while (waiting_ > 0 && switches_ == dropped_at) switched_.wait(lock);
  AcquireLocked(lock, worker);
}

std::vector<double> GlobalLock::TakeWaitSeconds() {
  std::lock_guard lock(mutex_);
  std::vector<double> out = wait_seconds_;
  std::fill(wait_seconds_.begin(), wait_seconds_.end(), 0.0);
  return out;
}

long long GlobalLock::switches() const {
  std::lock_guard lock(mutex_);
  return switches_;
}

}  // namespace parlab
