#include "kernels/montecarlo.h"

#include "core/kernel.h"

#include <atomic>
#include <cmath>
#include <numbers>

namespace parlab {
namespace {

// SplitMix64's finaliser: a bijective mix, so Mix(key + counter) is a counter-based RNG.
inline std::uint64_t Mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline double UnitInterval(std::uint64_t bits) {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

constexpr std::uint64_t kChunk = 1 << 16;

class MonteCarloKernel final : public Kernel {
 public:
  void Setup(const KernelParams& params, RunContext& ctx) override {
    ctx_ = &ctx;
    samples_ = static_cast<std::uint64_t>(params.size());
    seed_ = static_cast<std::uint64_t>(params.Int("seed"));
  }

  void Run(PhaseTimer& timer) override {
    const Range mine = Partition(static_cast<long long>(samples_), ctx_->ranks, ctx_->rank);
    std::atomic<std::uint64_t> local{0};
    {
      auto scope = timer.Measure(Phase::kCompute);
      ctx_->team.Run([&](Worker& worker) {
        const Range part = Partition(mine.size(), worker.count(), worker.id());
        std::uint64_t count = 0;
        for (auto i = static_cast<std::uint64_t>(mine.begin + part.begin),
                  end = static_cast<std::uint64_t>(mine.begin + part.end);
             i < end; i += kChunk) {
          count += CountInside(seed_, i, std::min(end, i + kChunk));
          worker.Checkpoint();
        }
        local += count;
      });
    }
    auto scope = timer.Measure(Phase::kComm);
    const std::uint64_t mine_count = local.load();
    MPI_Allreduce(&mine_count, &inside_, 1, MPI_UINT64_T, MPI_SUM, ctx_->comm);
  }

  Verification Verify() override {
    const double p = std::numbers::pi / 4;
    const double sigma = 4 * std::sqrt(p * (1 - p) / static_cast<double>(samples_));
    const double error = std::abs(Estimate() - std::numbers::pi);
    const bool ok = inside_ <= samples_ && error <= 6 * sigma + 1e-12;
    return {ok, "pi ~ " + std::to_string(Estimate()) + ", |error| " + std::to_string(error) +
                    (ok ? " within " : " beyond ") + "6 sigma (" + std::to_string(6 * sigma) + ")"};
  }

  Work work() const override {
    // x*x + y*y: 3 flops per sample (the generator is integer work); no memory traffic.
    return {static_cast<double>(samples_), "item", "Msamples/s", 1e6,
            3.0 * static_cast<double>(samples_), 0};
  }

  std::vector<KernelResult> Results() const override {
    return {{"pi_estimate", Estimate(), "1", "4 * inside / samples"},
            {"inside", static_cast<double>(inside_), "1", "samples inside the unit circle"},
            {"abs_error", std::abs(Estimate() - std::numbers::pi), "1", "|estimate - pi|"}};
  }

 private:
  double Estimate() const {
    return 4.0 * static_cast<double>(inside_) / static_cast<double>(samples_);
  }
  RunContext* ctx_ = nullptr;
  std::uint64_t samples_ = 0;
  std::uint64_t seed_ = 0;
  std::uint64_t inside_ = 0;
};

}  // namespace

std::uint64_t CountInside(std::uint64_t seed, std::uint64_t begin, std::uint64_t end) {
  const std::uint64_t key = Mix(seed);
  std::uint64_t count = 0;
  for (std::uint64_t i = begin; i < end; ++i) {
    const double x = UnitInterval(Mix(key + 2 * i));
    const double y = UnitInterval(Mix(key + 2 * i + 1));
    count += (x * x + y * y < 1.0) ? 1 : 0;
  }
  return count;
}

namespace {

KernelInfo MonteCarloKernelInfo() {
  return {.name = "montecarlo",
          .doc = "pi by Monte-Carlo with a counter-based RNG (same estimate for every shape)",
          .size_doc = "total number of samples",
          .params = {{"seed", ParamType::kInt, std::int64_t{42}, "key of the counter-based generator"}},
          .make = [] { return std::make_unique<MonteCarloKernel>(); },
          .steady_after_setup = true,
          .bound = Bound::kCompute,
          .test_size = 100000};
}

}  // namespace

PARLAB_REGISTER_KERNEL(MonteCarloKernelInfo);

}  // namespace parlab
