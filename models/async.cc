// Concurrency without parallelism: one thread per rank with every task's wait pending at
// once, served from an event loop, like asyncio.
#include "models/model.h"

namespace parlab {
namespace {

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

PARLAB_REGISTER_MODEL(AsyncModel, 60);

}  // namespace parlab
