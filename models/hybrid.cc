// Both: P MPI ranks of T OpenMP threads each.
#include "models/model.h"

namespace parlab {
namespace {

class HybridModel final : public ExecutionModel {
 public:
  std::string name() const override { return "hybrid"; }
  std::string doc() const override { return "both: P MPI ranks x T OpenMP threads"; }
  bool Accepts(Shape s) const override { return s.ranks > 1 && s.threads > 1; }
  std::string shape_rule() const override { return "ranks > 1 and threads > 1"; }
};

}  // namespace

PARLAB_REGISTER_MODEL(HybridModel, 40);

}  // namespace parlab
