#include "kernels/empty.h"

namespace parlab {
namespace {

class EmptyKernel final : public Kernel {
 public:
  void Setup(const KernelParams&, RunContext&) override {}
  void Run(PhaseTimer&) override { ++runs_; }
  Verification Verify() override {
    return {runs_ > 0, runs_ > 0 ? "ran" : "never ran"};
  }
  Work work() const override { return {1, "item", "reps/s", 1}; }

 private:
  long long runs_ = 0;
};

}  // namespace

KernelInfo EmptyKernelInfo() {
  return {"empty", "does no work: the harness's own overhead per repetition",
          "ignored (any positive value)", {},
          [] { return std::make_unique<EmptyKernel>(); }};
}

}  // namespace parlab
