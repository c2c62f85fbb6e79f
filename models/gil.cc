// T threads per rank that must hold one global lock to compute, like CPython's GIL
// (models/global_lock.h).
#include "models/global_lock.h"
#include "models/model.h"

namespace parlab {
namespace {

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
  std::map<std::string, double> Describe(const ModelOptions& options) const override {
    return {{"gil_interval_s", options.gil_interval_s}};
  }
};

}  // namespace

PARLAB_REGISTER_MODEL(GilModel, 50);

}  // namespace parlab
