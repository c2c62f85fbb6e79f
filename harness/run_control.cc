#include "harness/run_control.h"

namespace parlab {

void RunControl::Enter(std::string stage) {
  std::lock_guard lock(mutex_);
  stage_ = std::move(stage);
}

void RunControl::AddRow(const double* row, int columns) {
  std::lock_guard lock(mutex_);
  rows_.insert(rows_.end(), row, row + columns);
}

void RunControl::SetPlacement(const RunPlacement& placement) {
  std::lock_guard lock(mutex_);
  placement_ = placement;
}

std::string RunControl::stage() const {
  std::lock_guard lock(mutex_);
  return stage_;
}

std::vector<double> RunControl::rows() const {
  std::lock_guard lock(mutex_);
  return rows_;
}

RunPlacement RunControl::placement() const {
  std::lock_guard lock(mutex_);
  return placement_;
}

}  // namespace parlab
