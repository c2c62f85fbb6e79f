// STREAM triad a = b + s*c over a global array split across ranks, then threads.
#include "core/kernel.h"

#include <cmath>

#include "core/aligned_buffer.h"

namespace parlab {
namespace {

constexpr long long kChunk = 1 << 15;  // elements between lock checkpoints

inline double InitialB(long long i) { return 1.0 + static_cast<double>(i % 7); }
inline double InitialC(long long i) { return 0.5 * static_cast<double>(i % 5); }

class TriadKernel final : public Kernel {
 public:
  void Setup(const KernelParams& params, RunContext& ctx) override {
    ctx_ = &ctx;
    global_ = params.size();
    iterations_ = params.Int("iterations");
    scalar_ = params.Double("scalar");
    mine_ = Partition(global_, ctx.ranks, ctx.rank);
    const auto n = static_cast<std::size_t>(mine_.size());
    a_ = AlignedBuffer<double>(n);
    b_ = AlignedBuffer<double>(n);
    c_ = AlignedBuffer<double>(n);
    ctx.team.Run([&](Worker& worker) {  // first touch, same schedule as Run
      const Range part = Partition(mine_.size(), worker.count(), worker.id());
      for (long long i = part.begin; i < part.end; ++i) {
        a_[i] = 0.0;
        b_[i] = InitialB(mine_.begin + i);
        c_[i] = InitialC(mine_.begin + i);
      }
    });
  }

  void Run(PhaseTimer& timer) override {
    auto scope = timer.Measure(Phase::kCompute);
    double* __restrict a = a_.data();
    const double* __restrict b = b_.data();
    const double* __restrict c = c_.data();
    const double s = scalar_;
    ctx_->team.Run([&](Worker& worker) {
      const Range part = Partition(mine_.size(), worker.count(), worker.id());
      for (std::int64_t it = 0; it < iterations_; ++it) {
        for (long long chunk = part.begin; chunk < part.end; chunk += kChunk) {
          const long long end = std::min(part.end, chunk + kChunk);
#pragma omp simd
          for (long long i = chunk; i < end; ++i) a[i] = b[i] + s * c[i];
          worker.Checkpoint();
        }
        ClobberMemory();
      }
    });
  }

  Verification Verify() override {
    long long bad = 0;
    for (long long i = 0; i < mine_.size(); ++i) {
      const long long g = mine_.begin + i;
      const double expected = InitialB(g) + scalar_ * InitialC(g);
      if (std::abs(a_[i] - expected) > 1e-15 * (std::abs(expected) + 1.0)) ++bad;
    }
    long long total_bad = 0;
    MPI_Allreduce(&bad, &total_bad, 1, MPI_LONG_LONG, MPI_SUM, ctx_->comm);
    return {total_bad == 0, total_bad == 0
                                ? "all " + std::to_string(global_) + " elements of a = b + s*c"
                                : std::to_string(total_bad) + " elements of a differ from b + s*c"};
  }

  std::span<const std::byte> CheckpointData() const override {
    return std::as_bytes(std::span<const double>(a_.data(), a_.size()));
  }

  Work work() const override {
    // STREAM's count: triad reads b and c and writes a, 3 words per element.
    const double elements = static_cast<double>(global_) * static_cast<double>(iterations_);
    return {3.0 * sizeof(double) * elements, "byte", "GB/s", 1e9, 2.0 * elements,
            3.0 * sizeof(double) * elements, 3.0 * sizeof(double) * static_cast<double>(global_)};
  }

 private:
  RunContext* ctx_ = nullptr;
  long long global_ = 0;
  std::int64_t iterations_ = 1;
  double scalar_ = 3.0;
  Range mine_{0, 0};
  AlignedBuffer<double> a_, b_, c_;
};

KernelInfo TriadKernelInfo() {
  return {.name = "triad",
          .doc = "STREAM triad a = b + s*c, first-touch initialised (memory bandwidth)",
          .size_doc = "total array length in elements (split over ranks and threads)",
          .params = {{"iterations", ParamType::kInt, std::int64_t{10}, "triads per repetition", {}, 1},
                     {"scalar", ParamType::kDouble, 3.0, "the scalar s", {}, -1e300}},
          .make = [] { return std::make_unique<TriadKernel>(); },
          .has_checkpoint_state = true,
          .steady_after_setup = true,
          .memory_per_rank = [](const KernelParams& p, int ranks) {
            return 3.0 * 8 * static_cast<double>(p.size()) / ranks;
          },
          .bound = Bound::kMemory,
          .test_size = 10007};
}

}  // namespace

PARLAB_REGISTER_KERNEL(TriadKernelInfo);

}  // namespace parlab
