// The baseline: one rank, one thread.
#include "models/model.h"

namespace parlab {
namespace {

class SerialModel final : public ExecutionModel {
 public:
  std::string name() const override { return "serial"; }
  std::string doc() const override { return "baseline: 1 rank x 1 thread"; }
  bool Accepts(Shape s) const override { return s.ranks == 1 && s.threads == 1; }
  bool is_baseline() const override { return true; }
  std::string shape_rule() const override { return "ranks = 1 and threads = 1"; }
};

}  // namespace

PARLAB_REGISTER_MODEL(SerialModel, 10);

}  // namespace parlab
