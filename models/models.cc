// The one table of execution models.
#include "models/gil.h"
#include "models/model.h"

namespace parlab {
namespace {

class SerialModel final : public ExecutionModel {
 public:
  std::string name() const override { return "serial"; }
  std::string doc() const override { return "baseline: 1 rank x 1 thread"; }
  bool Accepts(Shape s) const override { return s.ranks == 1 && s.threads == 1; }
  std::string shape_rule() const override { return "ranks = 1 and threads = 1"; }
};

class ThreadsModel final : public ExecutionModel {
 public:
  std::string name() const override { return "threads"; }
  std::string doc() const override {
    return "multithreading, shared memory: 1 rank x T OpenMP threads";
  }
  bool Accepts(Shape s) const override { return s.ranks == 1 && s.threads > 1; }
  std::string shape_rule() const override { return "ranks = 1 and threads > 1"; }
};

class ProcessesModel final : public ExecutionModel {
 public:
  std::string name() const override { return "processes"; }
  std::string doc() const override {
    return "multiprocessing, separate memory: P MPI ranks x 1 thread";
  }
  bool Accepts(Shape s) const override { return s.ranks > 1 && s.threads == 1; }
  std::string shape_rule() const override { return "ranks > 1 and threads = 1"; }
};

class HybridModel final : public ExecutionModel {
 public:
  std::string name() const override { return "hybrid"; }
  std::string doc() const override { return "both: P MPI ranks x T OpenMP threads"; }
  bool Accepts(Shape s) const override { return s.ranks > 1 && s.threads > 1; }
  std::string shape_rule() const override { return "ranks > 1 and threads > 1"; }
};

class GilModel final : public ExecutionModel {
 public:
  std::string name() const override { return "gil"; }
  std::string doc() const override {
    return "T threads per rank that must hold one global lock to compute, switched every "
           "gil_interval_ms and released around waits (like CPython's GIL)";
  }
  bool Accepts(Shape s) const override { return s.threads > 1; }
  std::string shape_rule() const override { return "threads > 1 (any ranks, one lock each)"; }
  std::unique_ptr<WorkerLock> MakeLock(int threads, const ModelOptions& options) const override {
    return std::make_unique<GlobalLock>(threads, options.gil_interval_s);
  }
};

class AsyncModel final : public ExecutionModel {
 public:
  std::string name() const override { return "async"; }
  std::string doc() const override {
    return "concurrency without parallelism: 1 thread per rank keeps every task's wait "
           "pending at once and serves completions from an event loop (like asyncio)";
  }
  bool Accepts(Shape s) const override { return s.threads == 1; }
  std::string shape_rule() const override { return "threads = 1 (any ranks)"; }
  bool event_loop() const override { return true; }
};

}  // namespace

const std::vector<std::unique_ptr<ExecutionModel>>& ModelTable() {
  static const auto table = [] {
    std::vector<std::unique_ptr<ExecutionModel>> models;
    models.push_back(std::make_unique<SerialModel>());
    models.push_back(std::make_unique<ThreadsModel>());
    models.push_back(std::make_unique<ProcessesModel>());
    models.push_back(std::make_unique<HybridModel>());
    models.push_back(std::make_unique<GilModel>());
    models.push_back(std::make_unique<AsyncModel>());
    return models;
  }();
  return table;
}

const ExecutionModel* FindModel(const std::string& name) {
  for (const auto& model : ModelTable())
    if (model->name() == name) return model.get();
  return nullptr;
}

}  // namespace parlab
