// One interface for everything that presents results: the HDF5 report, the progress
// lines, the summary table. The engine calls every reporter the same way, with runs that
// are finished: measured (or replayed) and derived. Data flows one way, into reporters.
#pragma once

#include <string>

#include "harness/environment.h"
#include "harness/result.h"
#include "harness/run_spec.h"

namespace parlab {

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void Begin(const Experiment& /*experiment*/, const Environment& /*env*/) {}
  virtual void RunStarted(const RunSpec& /*spec*/) {}
  virtual void RunFinished(const FinishedRun& run) = 0;
  // `complete` is false when the experiment stopped early.
  virtual void End(bool /*complete*/, const std::string& /*reason*/) {}
};

}  // namespace parlab
