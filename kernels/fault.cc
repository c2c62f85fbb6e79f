#include "fault.h"

namespace parlab {
namespace {

class FaultKernel final : public Kernel {
 public:
  void Setup(const KernelParams& params, RunContext& ctx) override {
    ctx_ = &ctx;
    mode_ = params.String("mode");
    if (mode_ == "throw_setup" && LastRank()) throw std::runtime_error("injected setup fault");
  }
  void Run(PhaseTimer&) override {
    if (mode_ == "throw_run" && LastRank()) throw std::runtime_error("injected run fault");
  }
  Verification Verify() override {
    if (mode_ == "wrong") return {false, "injected wrong result"};
    return {true, "no fault"};
  }
  Work work() const override { return {1, "item", "reps/s", 1}; }

 private:
  bool LastRank() const { return ctx_->rank == ctx_->ranks - 1; }
  RunContext* ctx_ = nullptr;
  std::string mode_;
};

}  // namespace

KernelInfo FaultKernelInfo() {
  return {"fault",
          "for testing parlab itself: fails verification or throws, as asked",
          "ignored (any positive value)",
          {{"mode", ParamType::kString, std::string("none"),
            "none | wrong (verification fails) | throw_setup | throw_run (last rank throws)",
            {"none", "wrong", "throw_setup", "throw_run"}}},
          [] { return std::make_unique<FaultKernel>(); }};
}

}  // namespace parlab
