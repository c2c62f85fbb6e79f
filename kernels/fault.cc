// Misbehaves on purpose, to test how parlab handles failing kernels: a wrong result, an
// exception in setup or in a repetition, a hang in setup or in a repetition (on the last
// rank only, so the others must learn of it), slow repetitions, or no fault at all.
#include "core/kernel.h"

#include <chrono>
#include <thread>

namespace parlab {
namespace {

enum class Fault { kNone, kWrong, kThrowSetup, kThrowRun, kHangSetup, kHangRun };
constexpr EnumNames<Fault, 6> kFaults{{{{Fault::kNone, "none"},
                                        {Fault::kWrong, "wrong"},
                                        {Fault::kThrowSetup, "throw_setup"},
                                        {Fault::kThrowRun, "throw_run"},
                                        {Fault::kHangSetup, "hang_setup"},
                                        {Fault::kHangRun, "hang_run"}}}};

class FaultKernel final : public Kernel {
 public:
  void Setup(const KernelParams& params, RunContext& ctx) override {
    ctx_ = &ctx;
    mode_ = params.Choice("mode", kFaults);
    sleep_ = std::chrono::duration<double, std::milli>(params.Double("sleep_ms"));
    if (mode_ == Fault::kThrowSetup && LastRank()) throw std::runtime_error("injected setup fault");
    if (mode_ == Fault::kHangSetup && LastRank()) HangForever();
  }
  void Run(PhaseTimer&) override {
    if (mode_ == Fault::kThrowRun && LastRank()) throw std::runtime_error("injected run fault");
    if (mode_ == Fault::kHangRun && LastRank()) HangForever();
    std::this_thread::sleep_for(sleep_);
  }
  Verification Verify() override {
    if (mode_ == Fault::kWrong) return {false, "injected wrong result"};
    return {true, "no fault"};
  }
  Work work() const override { return {1, "item", "reps/s", 1, 0, 0}; }

 private:
  bool LastRank() const { return ctx_->rank == ctx_->ranks - 1; }
  // Like a kernel stuck in a wait that never completes: checks nothing, never returns.
  [[noreturn]] static void HangForever() {
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  }
  RunContext* ctx_ = nullptr;
  Fault mode_ = Fault::kNone;
  std::chrono::duration<double, std::milli> sleep_{0};
};

KernelInfo FaultKernelInfo() {
  return {.name = "fault",
          .doc = "for testing parlab itself: fails verification or throws, as asked",
          .size_doc = "ignored (any positive value)",
          .params = {{"mode", ParamType::kString, std::string("none"),
                      "none | wrong (verification fails) | throw_setup | throw_run (last rank "
                      "throws) | hang_setup | hang_run (last rank never returns)",
                      kFaults.All()},
                     {"sleep_ms", ParamType::kDouble, 0.0,
                      "every rank sleeps this long per repetition"}},
          .make = [] { return std::make_unique<FaultKernel>(); },
          .bound = Bound::kNothing};
}

}  // namespace

PARLAB_REGISTER_KERNEL(FaultKernelInfo);

}  // namespace parlab
