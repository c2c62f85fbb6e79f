// Execution models: how a kernel's work is spread (ranks x threads, shared lock or not).
// One small interface; each model is one class in its own file under models/, ending with
//   PARLAB_REGISTER_MODEL(MyModel, position);
// where position orders the models in listings, defaults and error messages.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/shape.h"
#include "core/team.h"

namespace parlab {

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
  // The run every other run of the same kernel, parameters and size is compared with.
  virtual bool is_baseline() const { return false; }
  // The lock the workers of one rank must share, or nullptr when they run freely.
  virtual std::unique_ptr<WorkerLock> MakeLock(int /*threads*/, const ModelOptions&) const {
    return nullptr;
  }
  // One thread serving all waits from an event loop (kernels must have that form).
  virtual bool event_loop() const { return false; }
  // Numbers that describe how this model ran (e.g. the gil's switch interval), stored with
  // the run in the report.
  virtual std::map<std::string, double> Describe(const ModelOptions&) const { return {}; }
};

// Models in listing order.
const std::vector<const ExecutionModel*>& ModelTable();
const ExecutionModel* FindModel(const std::string& name);

class ModelRegistration {
 public:
  ModelRegistration(std::unique_ptr<ExecutionModel> model, int position);
};

#define PARLAB_REGISTER_MODEL(Model, position) \
  static const ::parlab::ModelRegistration parlab_registration_##Model(std::make_unique<Model>(), position)

}  // namespace parlab
