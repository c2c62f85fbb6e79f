// Does nothing: measures the harness's own cost per repetition.
#include "core/kernel.h"

namespace parlab {
namespace {

class EmptyKernel final : public Kernel {
 public:
  void Setup(const KernelParams&, RunContext&) override {}
  void Run(PhaseTimer&) override { ++runs_; }
  Verification Verify() override {
    return {runs_ > 0, runs_ > 0 ? "ran" : "never ran"};
  }
  Work work() const override { return {1, "item", "reps/s", 1, 0, 0}; }

 private:
  long long runs_ = 0;
};

KernelInfo EmptyKernelInfo() {
  return {.name = "empty",
          .doc = "does no work: the harness's own overhead per repetition",
          .size_doc = "ignored (any positive value)",
          .make = [] { return std::make_unique<EmptyKernel>(); },
          .steady_after_setup = true,
          .bound = Bound::kNothing};
}

}  // namespace

PARLAB_REGISTER_KERNEL(EmptyKernelInfo);

}  // namespace parlab
