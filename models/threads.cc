// Multithreading: one rank, T OpenMP threads sharing its memory.
#include "models/model.h"

namespace parlab {
namespace {

class ThreadsModel final : public ExecutionModel {
 public:
  std::string name() const override { return "threads"; }
  std::string doc() const override {
    return "multithreading, shared memory: 1 rank x T OpenMP threads";
  }
  bool Accepts(Shape s) const override { return s.ranks == 1 && s.threads > 1; }
  std::string shape_rule() const override { return "ranks = 1 and threads > 1"; }
};

}  // namespace

PARLAB_REGISTER_MODEL(ThreadsModel, 20);

}  // namespace parlab
