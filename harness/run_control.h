// What a run's thread and the thread watching it (watchdog.h) share: the requests to stop
// or give up, and what the run has measured so far, so a run that never comes back still
// keeps its finished repetitions.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

namespace parlab {

// Where a run's threads ran, known before its first repetition.
struct RunPlacement {
  std::vector<std::string> cpu_sets;  // [rank * threads + thread]
  std::vector<int> places;
  bool oversubscribed = false;
  std::vector<std::string> warnings;
};

class RunControl {
 public:
  // Set at the deadline: the run ends after the repetition in progress.
  std::atomic<bool> stop_requested{false};
  // Set when the ranks have given up on the run: its harness waits throw RunAbandoned.
  std::atomic<bool> abandoned{false};

  // The run thread says where it is ("setup", "repetition 3", ...) and hands over each
  // finished repetition's row of samples.
  void Enter(std::string stage);
  void AddRow(const double* row, int columns);
  void SetPlacement(const RunPlacement& placement);

  std::string stage() const;
  std::vector<double> rows() const;
  RunPlacement placement() const;

 private:
  mutable std::mutex mutex_;
  std::string stage_ = "start";
  std::vector<double> rows_;
  RunPlacement placement_;
};

}  // namespace parlab
