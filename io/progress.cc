#include "io/progress.h"

#include <algorithm>
#include <chrono>

#include "core/clock.h"
#include "core/collective.h"

namespace parlab {

namespace {
// A helper's sleeps between MPI_Tests: short first (a small write completes soon), then
// growing, so a long write costs a few hundred wake-ups, not a busy core.
constexpr std::chrono::microseconds kFirstSleep{50}, kLongestSleep{2000};
}  // namespace

bool UsesHelper(IoProgress method) {
  return method == IoProgress::kThread || method == IoProgress::kHelper;
}

IoProgress ResolveProgress(IoProgress requested, const ProgressContext& context) {
  if (requested != IoProgress::kAuto) return requested;
  const bool helper_allowed = context.thread_level >= MPI_THREAD_MULTIPLE && !context.event_loop;
  return helper_allowed ? IoProgress::kHelper : IoProgress::kTest;
}

std::string ProgressRefusal(IoProgress method, const ProgressContext& context) {
  if (!UsesHelper(method)) return "";
  const std::string name = std::string("progress = \"") + kIoProgressNames.Name(method) + "\"";
  if (context.event_loop)
    return "the async model runs one thread that polls its pending I/O: " + name +
           " starts a helper thread; use \"auto\", \"test\" or \"none\"";
  if (context.thread_level < MPI_THREAD_MULTIPLE)
    return name + " calls MPI from a helper thread and needs MPI_THREAD_MULTIPLE; this MPI "
           "library granted " + ThreadLevelName(context.thread_level) +
           " (use \"auto\", \"test\" or \"none\")";
  return "";
}

WriteProgress::WriteProgress(IoBackend& backend, IoProgress method, bool sync)
    : backend_(backend), method_(method), sync_(sync) {
  if (UsesHelper(method_)) helper_ = std::thread([this] { HelperLoop(); });
}

WriteProgress::~WriteProgress() {
  if (!helper_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    abandon_ = RunIsAbandoned();  // the helper then stops polling a collective write
  }
  wake_.notify_one();
  helper_.join();  // after the write in flight, if any: its buffer and file must outlive it
}

std::string WriteProgress::Start(const void* data) {
  pending_ = true;
  poke_error_.clear();
  if (!UsesHelper(method_)) return backend_.Post(data);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = data;
    job_done_ = false;
  }
  wake_.notify_one();
  return "";
}

bool WriteProgress::Poke() {
  if (!pending_ || !poke_error_.empty() || UsesHelper(method_)) return true;
  bool done = false;
  poke_error_ = backend_.Test(&done);
  return done || !poke_error_.empty();
}

WriteProgress::Finished WriteProgress::Finish() {
  Finished finished;
  if (!pending_) return finished;
  pending_ = false;
  if (UsesHelper(method_)) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return job_done_; });  // a sleep, not a poll
    finished.error = helper_error_;
    return finished;
  }
  finished.error = poke_error_.empty() ? backend_.Wait() : poke_error_;
  if (finished.error.empty() && sync_) {
    const double start = NowSeconds();
    finished.error = backend_.Sync();
    finished.sync_s = NowSeconds() - start;
  }
  return finished;
}

void WriteProgress::HelperLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return job_ != nullptr || stop_; });
    if (job_ == nullptr) return;
    const void* data = job_;
    lock.unlock();
    std::string error;
    try {
      error = HelperWrite(data);
    } catch (const std::exception& e) {
      error = std::string("the I/O helper thread failed: ") + e.what();
    }
    lock.lock();
    job_ = nullptr;
    helper_error_ = error;
    job_done_ = true;
    done_.notify_one();
  }
}

// On the helper thread: the whole write, then the sync, without a busy wait anywhere.
std::string WriteProgress::HelperWrite(const void* data) {
  std::string error;
  if (method_ == IoProgress::kHelper) {
    error = backend_.Write(data);
  } else {
    error = backend_.Post(data);
    auto sleep = kFirstSleep;
    for (bool done = false; error.empty();) {
      error = backend_.Test(&done);
      if (done) break;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (abandon_) return "abandoned with the write in flight";
      }
      std::this_thread::sleep_for(sleep);
      sleep = std::min(sleep * 2, kLongestSleep);
    }
  }
  if (error.empty() && sync_) error = backend_.Sync();
  return error;
}

}  // namespace parlab
