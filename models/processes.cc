// Multiprocessing: P MPI ranks, one thread each, no memory shared.
#include "models/model.h"

namespace parlab {
namespace {

class ProcessesModel final : public ExecutionModel {
 public:
  std::string name() const override { return "processes"; }
  std::string doc() const override {
    return "multiprocessing, separate memory: P MPI ranks x 1 thread";
  }
  bool Accepts(Shape s) const override { return s.ranks > 1 && s.threads == 1; }
  std::string shape_rule() const override { return "ranks > 1 and threads = 1"; }
};

}  // namespace

PARLAB_REGISTER_MODEL(ProcessesModel, 30);

}  // namespace parlab
