#include "kernels/fault.h"

#include <chrono>
#include <thread>

namespace parlab {
namespace {

class FaultKernel final : public Kernel {
 public:
  void Setup(const KernelParams& params, RunContext& ctx) override {
    ctx_ = &ctx;
    mode_ = params.String("mode");
    sleep_ = std::chrono::duration<double, std::milli>(params.Double("sleep_ms"));
    if (mode_ == "throw_setup" && LastRank()) throw std::runtime_error("injected setup fault");
    if (mode_ == "hang_setup" && LastRank()) HangForever();
  }
  void Run(PhaseTimer&) override {
    if (mode_ == "throw_run" && LastRank()) throw std::runtime_error("injected run fault");
    if (mode_ == "hang_run" && LastRank()) HangForever();
    std::this_thread::sleep_for(sleep_);
  }
  Verification Verify() override {
    if (mode_ == "wrong") return {false, "injected wrong result"};
    return {true, "no fault"};
  }
  Work work() const override { return {1, "item", "reps/s", 1}; }

 private:
  bool LastRank() const { return ctx_->rank == ctx_->ranks - 1; }
  // Like a kernel stuck in a wait that never completes: checks nothing, never returns.
  [[noreturn]] static void HangForever() {
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  }
  RunContext* ctx_ = nullptr;
  std::string mode_;
  std::chrono::duration<double, std::milli> sleep_{0};
};

}  // namespace

KernelInfo FaultKernelInfo() {
  return {"fault",
          "for testing parlab itself: fails verification or throws, as asked",
          "ignored (any positive value)",
          {{"mode", ParamType::kString, std::string("none"),
            "none | wrong (verification fails) | throw_setup | throw_run (last rank throws) | "
            "hang_setup | hang_run (last rank never returns)",
            {"none", "wrong", "throw_setup", "throw_run", "hang_setup", "hang_run"}},
           {"sleep_ms", ParamType::kDouble, 0.0, "every rank sleeps this long per repetition"}},
          [] { return std::make_unique<FaultKernel>(); }};
}

}  // namespace parlab
