// Per-rank accounting of where a repetition's wall time went.
#pragma once

#include <array>
#include <string_view>

#include "core/clock.h"

namespace parlab {

// compute: work; comm: sending/receiving (or posting); io: blocking file I/O; wait:
// waiting for a request or a timed wait; lock_wait: waiting for the gil model's lock;
// post: starting nonblocking I/O (incl. its buffer copy); test: inside MPI_Test progress
// calls; idle: waiting for other ranks after this rank's own part was done; sync:
// MPI_File_sync / H5Fflush on the critical path (the device wait of fsync'd I/O).
enum class Phase { kCompute = 0, kComm, kIo, kWait, kLockWait, kPost, kTest, kIdle, kSync, kCount };

inline constexpr int kPhaseCount = static_cast<int>(Phase::kCount);

// Columns of a run's samples: "total" (the rank's wall time of one repetition) first,
// then one per phase. Names as they appear in reports.
inline constexpr int kColumns = kPhaseCount + 1;
inline constexpr std::array<std::string_view, kColumns> kSampleColumns = {
    "total", "compute", "comm", "io", "wait", "lock_wait", "post", "test", "idle", "sync"};

class PhaseTimer {
 public:
  class Scope {
   public:
    Scope(PhaseTimer& timer, Phase phase) : timer_(timer), phase_(phase), start_(NowSeconds()) {}
    ~Scope() { timer_.Add(phase_, NowSeconds() - start_); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    PhaseTimer& timer_;
    Phase phase_;
    double start_;
  };

  Scope Measure(Phase phase) { return Scope(*this, phase); }
  void Add(Phase phase, double seconds) { seconds_[static_cast<int>(phase)] += seconds; }
  double Get(Phase phase) const { return seconds_[static_cast<int>(phase)]; }
  void Reset() { seconds_.fill(0.0); }

 private:
  std::array<double, kPhaseCount> seconds_{};
};

}  // namespace parlab
