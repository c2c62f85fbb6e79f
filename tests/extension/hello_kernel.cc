// A kernel that exists only in this test file: adding a kernel to parlab is one .cc that
// registers itself, nothing else (no table, header or CMake edit). The test links it into
// a parlab binary and finds it in `list`, `validate`, `run` and the report.
#include "core/kernel.h"

namespace parlab {
namespace {

// Sums 1..size on every worker of every rank; verifies against the closed form.
class HelloKernel final : public Kernel {
 public:
  void Setup(const KernelParams& params, RunContext& ctx) override {
    ctx_ = &ctx;
    n_ = params.size();
  }
  void Run(PhaseTimer& timer) override {
    auto scope = timer.Measure(Phase::kCompute);
    long long local = 0;
    ctx_->team.Run([&](Worker& worker) {
      long long mine = 0;
      for (long long i = 1; i <= n_; ++i) mine += i;
      if (worker.id() == 0) local = mine;
    });
    MPI_Allreduce(&local, &total_, 1, MPI_LONG_LONG, MPI_SUM, ctx_->comm);
  }
  Verification Verify() override {
    const long long expected = n_ * (n_ + 1) / 2 * ctx_->ranks;
    return {total_ == expected, "sum " + std::to_string(total_) + ", expected " +
                                    std::to_string(expected)};
  }
  Work work() const override { return {static_cast<double>(n_), "item", "items/s", 1}; }
  std::vector<KernelResult> Results() const override {
    return {{"sum", static_cast<double>(total_), "1", "sum over ranks of 1..size"}};
  }

 private:
  RunContext* ctx_ = nullptr;
  long long n_ = 0;
  long long total_ = 0;
};

KernelInfo HelloKernelInfo() {
  return {.name = "hello",
          .doc = "a test kernel defined only in tests/extension/hello_kernel.cc",
          .size_doc = "numbers to sum",
          .make = [] { return std::make_unique<HelloKernel>(); },
          .bound = Bound::kNothing,
          .test_size = 100};
}

}  // namespace

PARLAB_REGISTER_KERNEL(HelloKernelInfo);

}  // namespace parlab
