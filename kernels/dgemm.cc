#include "kernels/dgemm.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "core/aligned_buffer.h"
#include "core/kernel.h"
#include "kernels/dgemm_microkernel.h"

namespace parlab {
namespace {

using gemm::kMr;
using gemm::kNr;

// Cache blocking: a kKc x kNr sliver of B stays in L1, a kMc x kKc block of A in L2.
constexpr long long kKc = 256;
constexpr long long kMc = kMr * 12;
constexpr long long kNc = 4096;
constexpr long long kBlasRowsPerCheckpoint = 64;

enum class Impl { kBlocked, kBlas };
constexpr EnumNames<Impl, 2> kImpls{{{{Impl::kBlocked, "blocked"}, {Impl::kBlas, "blas"}}}};

// Entries are small multiples of 1/8, so every partial sum is exact in double and any
// summation order gives the same C.
inline double EntryA(long long i, long long k) {
  return static_cast<double>((i * 7 + k * 3) % 13 - 6) / 8.0;
}
inline double EntryB(long long k, long long j) {
  return static_cast<double>((k * 5 + j * 11) % 17 - 8) / 8.0;
}

// Packs rows [0, mc) x cols [0, kc) of A (leading dim lda) into kMr-row slivers.
void PackA(long long mc, long long kc, const double* a, long long lda, double* packed) {
  for (long long i0 = 0; i0 < mc; i0 += kMr) {
    const long long mr = std::min<long long>(kMr, mc - i0);
    for (long long k = 0; k < kc; ++k)
      for (long long i = 0; i < kMr; ++i)
        *packed++ = i < mr ? a[(i0 + i) * lda + k] : 0.0;
  }
}

// Packs rows [0, kc) x cols [0, nc) of B (leading dim ldb) into kNr-column slivers.
void PackB(long long kc, long long nc, const double* b, long long ldb, double* packed) {
  for (long long j0 = 0; j0 < nc; j0 += kNr) {
    const long long nr = std::min<long long>(kNr, nc - j0);
    for (long long k = 0; k < kc; ++k) {
      const double* row = b + k * ldb + j0;
      for (long long j = 0; j < kNr; ++j) *packed++ = j < nr ? row[j] : 0.0;
    }
  }
}

class DgemmKernel final : public Kernel {
 public:
  void Setup(const KernelParams& params, RunContext& ctx) override {
    ctx_ = &ctx;
    n_ = params.size();
    use_blas_ = params.Choice("impl", kImpls) == Impl::kBlas;
    samples_ = params.Int("verify_samples");
    rows_ = Partition(n_, ctx.ranks, ctx.rank);
    const auto nn = static_cast<std::size_t>(n_);
    a_ = AlignedBuffer<double>(static_cast<std::size_t>(rows_.size()) * nn);
    b_ = AlignedBuffer<double>(nn * nn);
    c_ = AlignedBuffer<double>(static_cast<std::size_t>(rows_.size()) * nn);
    if (use_blas_) openblas_set_num_threads(1);
    workspaces_.clear();
    for (int t = 0; t < ctx.team.size(); ++t) workspaces_.push_back(nullptr);
    ctx.team.Run([&](Worker& worker) {  // first touch in the compute schedule
      const Range mine = Partition(rows_.size(), worker.count(), worker.id());
      if (!use_blas_) {
        workspaces_[worker.id()] = std::make_unique<GemmWorkspace>(mine.size(), n_);
      }
      for (long long i = mine.begin; i < mine.end; ++i)
        for (long long k = 0; k < n_; ++k) {
          a_[i * n_ + k] = EntryA(rows_.begin + i, k);
          c_[i * n_ + k] = 0.0;
        }
      const Range b_rows = Partition(n_, worker.count(), worker.id());
      for (long long k = b_rows.begin; k < b_rows.end; ++k)
        for (long long j = 0; j < n_; ++j) b_[k * n_ + j] = EntryB(k, j);
    });
  }

  void Run(PhaseTimer& timer) override {
    auto scope = timer.Measure(Phase::kCompute);
    ctx_->team.Run([&](Worker& worker) {
      const Range mine = Partition(rows_.size(), worker.count(), worker.id());
      const double* a = a_.data() + mine.begin * n_;
      double* c = c_.data() + mine.begin * n_;
      if (!use_blas_) {
        BlockedDgemm(mine.size(), n_, a, b_.data(), c, worker, *workspaces_[worker.id()]);
        return;
      }
      // Under a global lock, hand the CPU over between row chunks; otherwise one call.
      const long long step = worker.shares_lock() ? kBlasRowsPerCheckpoint : mine.size();
      for (long long r = 0; r < mine.size(); r += std::max(step, 1LL)) {
        const auto rows = static_cast<int>(std::min(step, mine.size() - r));
        const auto n = static_cast<int>(n_);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, n, n, 1.0, a + r * n_, n,
                    b_.data(), n, 0.0, c + r * n_, n);
        worker.Checkpoint();
      }
    });
    ClobberMemory();
  }

  Verification Verify() override {
    long long bad = 0;
    long long checked = 0;
    double worst = 0;
    const long long local_rows = rows_.size();
    for (long long s = 0; s < samples_ && local_rows > 0; ++s) {
      const long long i = (s * 7919) % local_rows;
      const long long j = (s * 104729 + ctx_->rank * 31) % n_;
      double expected = 0;
      for (long long k = 0; k < n_; ++k) expected += EntryA(rows_.begin + i, k) * EntryB(k, j);
      const double error = std::abs(c_[i * n_ + j] - expected);
      worst = std::max(worst, error);
      if (error > 1e-9 * (1.0 + std::abs(expected))) ++bad;
      ++checked;
    }
    long long local[2] = {bad, checked};
    long long total[2] = {0, 0};
    MPI_Allreduce(local, total, 2, MPI_LONG_LONG, MPI_SUM, ctx_->comm);
    double worst_all = 0;
    MPI_Allreduce(&worst, &worst_all, 1, MPI_DOUBLE, MPI_MAX, ctx_->comm);
    return {total[0] == 0 && total[1] > 0,
            std::to_string(total[1] - total[0]) + " of " + std::to_string(total[1]) +
                " sampled entries match the naive product (max error " +
                std::to_string(worst_all) + ")"};
  }

  std::span<const std::byte> CheckpointData() const override {
    return std::as_bytes(std::span<const double>(c_.data(), c_.size()));
  }

  Work work() const override {
    const double n = static_cast<double>(n_);
    // Memory traffic at least: A and B read, C written once.
    return {2.0 * n * n * n, "flop", "GFLOP/s", 1e9, 2.0 * n * n * n, 3.0 * 8.0 * n * n,
            3.0 * 8.0 * n * n};
  }

 private:
  RunContext* ctx_ = nullptr;
  long long n_ = 0;
  bool use_blas_ = false;
  std::int64_t samples_ = 0;
  Range rows_{0, 0};
  AlignedBuffer<double> a_, b_, c_;
  std::vector<std::unique_ptr<GemmWorkspace>> workspaces_;
};

}  // namespace

GemmWorkspace::GemmWorkspace(long long rows, long long n)
    : packed_a(static_cast<std::size_t>(std::min(kMc, ((rows + kMr - 1) / kMr) * kMr) * kKc)),
      packed_b(static_cast<std::size_t>(kKc * std::min(kNc, ((n + kNr - 1) / kNr) * kNr))) {
  std::fill(packed_a.data(), packed_a.data() + packed_a.size(), 0.0);
  std::fill(packed_b.data(), packed_b.data() + packed_b.size(), 0.0);
}

void BlockedDgemm(long long rows, long long n, const double* a, const double* b, double* c,
                  Worker& worker, GemmWorkspace& workspace) {
  if (rows <= 0) return;
  AlignedBuffer<double>& packed_a = workspace.packed_a;
  AlignedBuffer<double>& packed_b = workspace.packed_b;
  for (long long jc = 0; jc < n; jc += kNc) {
    const long long nc = std::min(kNc, n - jc);
    for (long long pc = 0; pc < n; pc += kKc) {
      const long long kc = std::min(kKc, n - pc);
      PackB(kc, nc, b + pc * n + jc, n, packed_b.data());
      for (long long ic = 0; ic < rows; ic += kMc) {
        const long long mc = std::min(kMc, rows - ic);
        PackA(mc, kc, a + ic * n + pc, n, packed_a.data());
        for (long long jr = 0; jr < nc; jr += kNr) {
          const int nr = static_cast<int>(std::min<long long>(kNr, nc - jr));
          for (long long ir = 0; ir < mc; ir += kMr) {
            const int mr = static_cast<int>(std::min<long long>(kMr, mc - ir));
            gemm::MicroKernel(kc, packed_a.data() + ir * kc, packed_b.data() + jr * kc,
                              c + (ic + ir) * n + jc + jr, n, mr, nr, pc == 0);
          }
        }
        worker.Checkpoint();
      }
    }
  }
}

namespace {

KernelInfo DgemmKernelInfo() {
  return {.name = "dgemm",
          .doc = "C = A*B, rows of C split over ranks then threads (compute-bound)",
          .size_doc = "matrix order n (n x n matrices)",
          .params = {{"impl", ParamType::kString, std::string("blocked"),
                      "blocked (our packed AVX micro-kernel) | blas (OpenBLAS, 1 thread per worker)",
                      kImpls.All()},
                     {"verify_samples", ParamType::kInt, std::int64_t{256},
                      "entries of C checked against a naive dot product", {}, 1}},
          .make = [] { return std::make_unique<DgemmKernel>(); },
          .has_checkpoint_state = true,
          .steady_after_setup = true,
          .memory_per_rank = [](const KernelParams& p, int ranks) {  // A and C rows, all of B
            const double n = static_cast<double>(p.size());
            return 8.0 * (2.0 * n * n / ranks + n * n);
          },
          .bound = Bound::kCompute,
          .test_size = 67};
}

}  // namespace

PARLAB_REGISTER_KERNEL(DgemmKernelInfo);

}  // namespace parlab
