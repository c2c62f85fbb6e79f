// Misbehaves on purpose, to test how parlab handles failing kernels: a wrong result, an
// exception in setup or in a repetition, a hang in setup or in a repetition (on the last
// rank only, so the others must learn of it), an I/O helper thread that fails on the
// last rank, slow repetitions, or no fault at all.
#include "core/kernel.h"

#include <chrono>
#include <memory>
#include <thread>

#include "core/collective.h"
#include "io/progress.h"

namespace parlab {
namespace {

enum class Fault { kNone, kWrong, kThrowSetup, kThrowRun, kHangSetup, kHangRun, kIoHelper };
constexpr EnumNames<Fault, 7> kFaults{{{{Fault::kNone, "none"},
                                        {Fault::kWrong, "wrong"},
                                        {Fault::kThrowSetup, "throw_setup"},
                                        {Fault::kThrowRun, "throw_run"},
                                        {Fault::kHangSetup, "hang_setup"},
                                        {Fault::kHangRun, "hang_run"},
                                        {Fault::kIoHelper, "io_helper"}}}};

// A checkpoint backend whose write fails (on the rank that asks for it), for the helper.
class FailingBackend final : public IoBackend {
 public:
  explicit FailingBackend(bool fail) : fail_(fail) {}
  std::string Write(const void*) override { return fail_ ? "injected I/O helper fault" : ""; }
  std::string Sync() override { return ""; }
  std::string ReadBack(void*) override { return ""; }

 private:
  bool fail_;
};

// Each rank's helper thread writes while the rank sleeps; the last rank's write fails, and
// every rank must learn of it when the write is completed.
void RunFailingHelper(MPI_Comm comm, bool fail, std::chrono::duration<double, std::milli> sleep) {
  FailingBackend backend(fail);
  WriteProgress progress(backend, IoProgress::kHelper, true);
  const char data = 0;
  AgreeOrThrow(comm, progress.Start(&data));
  std::this_thread::sleep_for(sleep);
  AgreeOrThrow(comm, progress.Finish().error);
}

std::string CheckFault(const KernelParams& params, const CheckContext& context) {
  if (params.Choice("mode", kFaults) != Fault::kIoHelper) return "";
  return ProgressRefusal(IoProgress::kHelper, {context.thread_level, context.event_loop});
}

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
    if (mode_ == Fault::kIoHelper) return RunFailingHelper(ctx_->comm, LastRank(), sleep_);
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
                      "throws) | hang_setup | hang_run (last rank never returns) | io_helper (the last "
                      "rank's I/O helper thread fails its write)",
                      kFaults.All()},
                     {"sleep_ms", ParamType::kDouble, 0.0,
                      "every rank sleeps this long per repetition"}},
          .make = [] { return std::make_unique<FaultKernel>(); },
          .bound = Bound::kNothing,
          .check = CheckFault};
}

}  // namespace

PARLAB_REGISTER_KERNEL(FaultKernelInfo);

}  // namespace parlab
