// Terminal reporters: progress lines on stderr and the final summary table on stdout.
// Both print on world rank 0 only.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "harness/reporter.h"

namespace parlab {

class ProgressReporter final : public Reporter {
 public:
  explicit ProgressReporter(bool root) : root_(root) {}
  void Begin(const Experiment& experiment, const Environment& env) override;
  void RunStarted(const RunSpec& spec) override;
  void RunFinished(const FinishedRun& run) override;

 private:
  bool root_;
  int total_ = 0;
  int done_ = 0;
  int measured_ = 0;  // runs measured now (resumed ones take no time)
  double start_ = 0;
};

// Prints warnings as they appear (once each) regardless of --quiet.
class WarningReporter final : public Reporter {
 public:
  explicit WarningReporter(bool root) : root_(root) {}
  void RunFinished(const FinishedRun& run) override;

 private:
  bool root_;
  std::vector<std::string> seen_;
};

class SummaryTable final : public Reporter {
 public:
  SummaryTable(bool root, std::FILE* out) : root_(root), out_(out) {}
  void RunFinished(const FinishedRun& run) override;
  void End(bool complete, const std::string& reason) override;

  struct Row {
    std::string kernel, model, shape, median, rate, speedup, efficiency, verified;
  };
  static std::string Format(const std::vector<Row>& rows);

 private:
  bool root_;
  std::FILE* out_;
  std::vector<Row> rows_;
};

std::string FormatSeconds(double seconds);

}  // namespace parlab
