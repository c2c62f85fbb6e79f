// Execution models: how a kernel's work is spread (ranks x threads, shared lock or not).
// One small interface, registered in one table, like kernels.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/team.h"

namespace parlab {

struct Shape {
  int ranks = 1;
  int threads = 1;
  int workers() const { return ranks * threads; }
};

struct ModelOptions {
  double gil_interval_s = 0.005;
};

class ExecutionModel {
 public:
  virtual ~ExecutionModel() = default;
  virtual std::string name() const = 0;
  virtual std::string doc() const = 0;
  // Which shapes belong to this model, and the rule in words (for errors and `list`).
  virtual bool Accepts(Shape shape) const = 0;
  virtual std::string shape_rule() const = 0;
  // The lock the workers of one rank must share, or nullptr when they run freely.
  virtual std::unique_ptr<WorkerLock> MakeLock(int /*threads*/, const ModelOptions&) const {
    return nullptr;
  }
  // One thread serving all waits from an event loop (kernels must have that form).
  virtual bool event_loop() const { return false; }
};

const std::vector<std::unique_ptr<ExecutionModel>>& ModelTable();
const ExecutionModel* FindModel(const std::string& name);

}  // namespace parlab
