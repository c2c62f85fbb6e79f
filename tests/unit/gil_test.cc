// The global lock's logic: mutual exclusion, switching on request, release around waits.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "models/global_lock.h"
#include "models/model.h"
#include "core/phase_timer.h"

namespace parlab {
namespace {

// Generous guard so a broken lock fails the test instead of hanging it; not a threshold.
constexpr double kGuardSeconds = 20;

TEST(GlobalLock, OnlyOneWorkerComputesAtATime) {
  GlobalLock lock(3, 0.0005);
  Team team(3, &lock);
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  team.Run([&](Worker& worker) {
    for (int i = 0; i < 20000; ++i) {
      const int now = ++inside;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      --inside;
      if (i % 16 == 0) worker.Checkpoint();
    }
  });
  EXPECT_EQ(most.load(), 1);
}

TEST(GlobalLock, HolderHandsOverAtCheckpointsWhenAsked) {
  // Worker 0 takes the lock first and computes until it has seen worker 1 run: that can
  // only happen if worker 1's request makes the holder drop the lock at a checkpoint.
  GlobalLock lock(2, 0.0005);
  std::atomic<bool> holding{false};
  std::atomic<bool> other_ran{false};
  std::atomic<bool> gave_up{false};
  std::thread holder([&] {
    Worker worker(0, 2, &lock);
    lock.Acquire(0);
    holding = true;
    const double start = NowSeconds();
    while (!other_ran) {
      worker.Checkpoint();
      if (NowSeconds() - start > kGuardSeconds) {
        gave_up = true;
        break;
      }
    }
    lock.Release(0);
  });
  std::thread waiter([&] {
    while (!holding) std::this_thread::yield();
    lock.Acquire(1);
    other_ran = true;
    lock.Release(1);
  });
  holder.join();
  waiter.join();
  EXPECT_FALSE(gave_up.load()) << "the holder never let the waiting worker in";
  EXPECT_EQ(lock.switches(), 3);  // worker 0, worker 1, worker 0 again
  const auto waits = lock.TakeWaitSeconds();
  EXPECT_GT(waits[1], 0.0);  // worker 1 waited at least one switch interval
  EXPECT_GT(waits[0], 0.0);  // worker 0 waited to get the lock back
  EXPECT_EQ(lock.TakeWaitSeconds()[1], 0.0);  // taking resets
}

TEST(GlobalLock, BlockingWaitsReleaseTheLock) {
  // Worker 0 waits (lock released) until worker 1 has computed: only possible if
  // Blocking() lets go of the lock.
  GlobalLock lock(2, 1.0);  // long interval: no forced switches help here
  Team team(2, &lock);
  std::atomic<bool> computed{false};
  std::atomic<bool> gave_up{false};
  team.Run([&](Worker& worker) {
    if (worker.id() == 0) {
      worker.Blocking([&] {
        const double start = NowSeconds();
        while (!computed) {
          std::this_thread::sleep_for(std::chrono::microseconds(100));
          if (NowSeconds() - start > kGuardSeconds) {
            gave_up = true;
            break;
          }
        }
      });
    } else {
      computed = true;
    }
  });
  EXPECT_FALSE(gave_up.load());
}

TEST(GlobalLock, ThreadsWithoutALockOverlap) {
  // Contrast: the `threads` model has no lock, so two workers can be inside together.
  Team team(2, nullptr);
  std::atomic<int> arrived{0};
  std::atomic<bool> gave_up{false};
  team.Run([&](Worker&) {
    ++arrived;
    const double start = NowSeconds();
    while (arrived < 2) {
      if (NowSeconds() - start > kGuardSeconds) {
        gave_up = true;
        break;
      }
    }
  });
  EXPECT_FALSE(gave_up.load());
}

TEST(Models, TableAndShapeRules) {
  EXPECT_TRUE(FindModel("serial")->Accepts({1, 1}));
  EXPECT_FALSE(FindModel("serial")->Accepts({1, 2}));
  EXPECT_TRUE(FindModel("threads")->Accepts({1, 4}));
  EXPECT_FALSE(FindModel("threads")->Accepts({2, 4}));
  EXPECT_TRUE(FindModel("processes")->Accepts({4, 1}));
  EXPECT_FALSE(FindModel("processes")->Accepts({1, 1}));
  EXPECT_TRUE(FindModel("hybrid")->Accepts({2, 2}));
  EXPECT_FALSE(FindModel("hybrid")->Accepts({2, 1}));
  EXPECT_TRUE(FindModel("gil")->Accepts({1, 2}));
  EXPECT_TRUE(FindModel("async")->Accepts({2, 1}));
  EXPECT_FALSE(FindModel("async")->Accepts({1, 2}));
  EXPECT_TRUE(FindModel("async")->event_loop());
  EXPECT_FALSE(FindModel("threads")->event_loop());
  EXPECT_EQ(FindModel("fibers"), nullptr);
  EXPECT_NE(FindModel("gil")->MakeLock(2, {}), nullptr);
  EXPECT_EQ(FindModel("threads")->MakeLock(2, {}), nullptr);
}

}  // namespace
}  // namespace parlab
