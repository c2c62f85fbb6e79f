// Latency-bound tasks: each task does optional CPU work, then a timed wait that stands
// for a network or disk round trip. Shows that threads help waiting, even under a lock.
#include "core/kernel.h"

#include <time.h>

#include <cerrno>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <queue>

namespace parlab {
namespace {

void SleepSeconds(double seconds) {
  const double deadline = NowSeconds() + seconds;
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(seconds);
  ts.tv_nsec = static_cast<long>((seconds - static_cast<double>(ts.tv_sec)) * 1e9);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
  while (NowSeconds() < deadline) {  // nanosleep may return a hair early on some clocks
  }
}

void SpinSeconds(double seconds) {
  const double deadline = NowSeconds() + seconds;
  while (NowSeconds() < deadline) {
  }
}

class WaitKernel final : public Kernel {
 public:
  void Setup(const KernelParams& params, RunContext& ctx) override {
    ctx_ = &ctx;
    tasks_ = params.size();
    wait_s_ = params.Double("wait_us") * 1e-6;
    work_s_ = params.Double("work_us") * 1e-6;
  }

  void Run(PhaseTimer& timer) override {
    if (ctx_->team.event_loop()) {
      RunEventLoop(timer);
      return;
    }
    const Range mine = Partition(tasks_, ctx_->ranks, ctx_->rank);
    std::atomic<long long> done{0};
    std::atomic<int> in_flight{0};
    std::atomic<int> most_in_flight{0};
    std::mutex stats_mutex;
    double shortest = INFINITY;
    double busy = 0;
    const double start = NowSeconds();
    ctx_->team.Run([&](Worker& worker) {
      const Range part = Partition(mine.size(), worker.count(), worker.id());
      double my_shortest = INFINITY;
      double my_busy = 0;
      for (long long t = part.begin; t < part.end; ++t) {
        const double work_start = NowSeconds();
        SpinSeconds(work_s_);
        my_busy += NowSeconds() - work_start;
        double waited = 0;
        worker.Blocking([&] {
          const int now_waiting = ++in_flight;
          for (int seen = most_in_flight.load();
               now_waiting > seen && !most_in_flight.compare_exchange_weak(seen, now_waiting);) {
          }
          const double wait_start = NowSeconds();
          SleepSeconds(wait_s_);
          waited = NowSeconds() - wait_start;
          --in_flight;
        });
        my_shortest = std::min(my_shortest, waited);
        ++done;
        worker.Checkpoint();
      }
      std::lock_guard guard(stats_mutex);
      shortest = std::min(shortest, my_shortest);
      busy += my_busy;
    });
    const double wall = NowSeconds() - start;
    const double mean_busy = busy / ctx_->team.size();
    timer.Add(Phase::kCompute, mean_busy);
    timer.Add(Phase::kWait, std::max(0.0, wall - mean_busy));

    Reduce(timer, done.load(), shortest, most_in_flight.load());
  }

  void Reduce(PhaseTimer& timer, long long done, double shortest, int most_in_flight) {
    auto scope = timer.Measure(Phase::kComm);
    MPI_Allreduce(&done, &completed_, 1, MPI_LONG_LONG, MPI_SUM, ctx_->comm);
    MPI_Allreduce(&shortest, &shortest_wait_, 1, MPI_DOUBLE, MPI_MIN, ctx_->comm);
    MPI_Allreduce(&most_in_flight, &most_in_flight_, 1, MPI_INT, MPI_MAX, ctx_->comm);
  }

  // One thread: each task does its CPU work, then its wait is registered as a pending
  // deadline; the loop sleeps until the earliest deadline and completes that task.
  void RunEventLoop(PhaseTimer& timer) {
    const Range mine = Partition(tasks_, ctx_->ranks, ctx_->rank);
    std::priority_queue<std::pair<double, double>, std::vector<std::pair<double, double>>,
                        std::greater<>>
        pending;  // (deadline, start of the wait)
    long long done = 0;
    double shortest = INFINITY;
    double busy = 0;
    const double start = NowSeconds();
    for (long long t = 0; t < mine.size(); ++t) {
      const double work_start = NowSeconds();
      SpinSeconds(work_s_);
      const double wait_start = NowSeconds();
      busy += wait_start - work_start;
      pending.push({wait_start + wait_s_, wait_start});
    }
    while (!pending.empty()) {
      const auto [deadline, wait_start] = pending.top();
      pending.pop();
      const double now = NowSeconds();
      if (deadline > now) SleepSeconds(deadline - now);
      shortest = std::min(shortest, NowSeconds() - wait_start);
      ++done;
    }
    const double wall = NowSeconds() - start;
    timer.Add(Phase::kCompute, busy);
    timer.Add(Phase::kWait, std::max(0.0, wall - busy));
    Reduce(timer, done, shortest, static_cast<int>(mine.size()));  // all pending at once
  }

  Verification Verify() override {
    const bool all = completed_ == tasks_;
    const bool long_enough = completed_ == 0 || shortest_wait_ >= wait_s_;
    return {all && long_enough,
            std::to_string(completed_) + " of " + std::to_string(tasks_) +
                " tasks completed; shortest wait " + std::to_string(shortest_wait_ * 1e6) +
                " us (requested " + std::to_string(wait_s_ * 1e6) + " us)"};
  }

  Work work() const override { return {static_cast<double>(tasks_), "item", "tasks/s", 1, 0, 0}; }

  std::vector<KernelResult> Results() const override {
    return {{"tasks_completed", static_cast<double>(completed_), "1", "tasks completed"},
            {"shortest_wait", shortest_wait_, "s", "shortest measured wait of any task"},
            {"max_in_flight", static_cast<double>(most_in_flight_), "1",
             "most waits pending at the same time on one rank"}};
  }

 private:
  RunContext* ctx_ = nullptr;
  long long tasks_ = 0;
  double wait_s_ = 0;
  double work_s_ = 0;
  long long completed_ = 0;
  double shortest_wait_ = 0;
  int most_in_flight_ = 0;
};

KernelInfo WaitKernelInfo() {
  return {.name = "wait",
          .doc = "latency-bound tasks: CPU work then a timed wait (stands for network or disk)",
          .size_doc = "total number of tasks (split over ranks and threads)",
          .params = {{"wait_us", ParamType::kDouble, 1000.0, "wait per task in microseconds", {}, 0},
                     {"work_us", ParamType::kDouble, 0.0, "CPU work per task in microseconds", {}, 0}},
          .make = [] { return std::make_unique<WaitKernel>(); },
          .has_event_loop = true,
          .steady_after_setup = true,
          .bound = Bound::kLatency,
          .test_size = 6,
          .test_params = {{"wait_us", 100.0}}};
}

}  // namespace

PARLAB_REGISTER_KERNEL(WaitKernelInfo);

}  // namespace parlab
