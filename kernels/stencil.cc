#include "kernels/stencil.h"

#include "core/collective.h"
#include "core/kernel.h"
#include "core/mpi_util.h"

#include <algorithm>
#include <cmath>

namespace parlab {
namespace {

// One formula, one evaluation order, shared with the reference: results match bitwise.
inline double JacobiPoint(double north, double south, double west, double east) {
  return 0.25 * ((north + south) + (west + east));
}

enum class Decomposition { kRows, kBlocks };
constexpr EnumNames<Decomposition, 2> kDecompositions{
    {{{Decomposition::kRows, "rows"}, {Decomposition::kBlocks, "blocks"}}}};
enum class Exchange { kBlocking, kNonblocking };
constexpr EnumNames<Exchange, 2> kExchanges{
    {{{Exchange::kBlocking, "blocking"}, {Exchange::kNonblocking, "nonblocking"}}}};

long long Columns(const KernelParams& params) {
  return params.Int("cols") > 0 ? params.Int("cols") : params.size();
}

std::array<int, 2> GridOf(const KernelParams& params, int ranks) {
  return params.Choice("decomposition", kDecompositions) == Decomposition::kBlocks
             ? ProcessGrid(ranks)
             : std::array<int, 2>{ranks, 1};
}

// Every rank needs at least one row and one column of the grid.
std::string Check(const KernelParams& params, const CheckContext& context) {
  const std::array<int, 2> dims = GridOf(params, context.shape.ranks);
  if (params.size() >= dims[0] && Columns(params) >= dims[1]) return "";
  return "grid " + std::to_string(params.size()) + " x " + std::to_string(Columns(params)) +
         " has fewer rows or columns than the " + std::to_string(dims[0]) + " x " +
         std::to_string(dims[1]) + " process grid of " + std::to_string(context.shape.ranks) +
         " ranks";
}

struct Rect {
  long long i0, i1, j0, j1;  // local coordinates, halo at 0 and size + 1
  long long rows() const { return std::max(0LL, i1 - i0); }
};

class StencilKernel final : public Kernel {
 public:
  void Setup(const KernelParams& params, RunContext& ctx) override {
    ctx_ = &ctx;
    n_ = params.size();
    m_ = Columns(params);
    iterations_ = static_cast<int>(params.Int("iterations"));
    nonblocking_ = params.Choice("exchange", kExchanges) == Exchange::kNonblocking;
    const std::array<int, 2> dims = GridOf(params, ctx.ranks);
    const int periods[2] = {0, 0};
    MPI_Cart_create(ctx.comm, 2, dims.data(), periods, 0, cart_.out());
    int coords[2] = {0, 0};
    MPI_Cart_coords(cart_.get(), ctx.rank, 2, coords);
    MPI_Cart_shift(cart_.get(), 0, 1, &north_, &south_);
    MPI_Cart_shift(cart_.get(), 1, 1, &west_, &east_);
    leaders_ = NodeLeaders(cart_.get());  // neighbours on another node: halos timed as comm_inter
    dims_[0] = dims[0];
    dims_[1] = dims[1];
    rows_ = Partition(n_, dims[0], coords[0]);
    cols_ = Partition(m_, dims[1], coords[1]);
    lr_ = rows_.size();
    lc_ = cols_.size();
    if (lr_ == 0 || lc_ == 0) throw std::invalid_argument(Check(params, {.shape = {ctx.ranks, 1}}));
    MPI_Type_vector(static_cast<int>(lr_), 1, static_cast<int>(lc_ + 2), MPI_DOUBLE,
                    column_type_.out());
    MPI_Type_commit(column_type_.in_place());
    const auto cells = static_cast<std::size_t>((lr_ + 2) * (lc_ + 2));
    grid_[0].assign(cells, 0.0);
    grid_[1].assign(cells, 0.0);
    Reset();
  }

  void Run(PhaseTimer& timer) override {
    comm_intra_ = comm_inter_ = 0;
    for (int it = 0; it < iterations_; ++it) Sweep(&timer);
  }

  bool Remote(int neighbour) const {
    return neighbour != MPI_PROC_NULL && leaders_[neighbour] != leaders_[ctx_->rank];
  }

  // Halo time spent with one pair of neighbours, booked as inter-node when either is remote.
  template <class F>
  void TimedPair(int a, int b, F&& exchange) {
    const double start = NowSeconds();
    exchange();
    (Remote(a) || Remote(b) ? comm_inter_ : comm_intra_) += NowSeconds() - start;
  }

  Verification Verify() override {
    // The timed sweeps kept going from repetition to repetition; by the maximum principle
    // every value must stay within the initial and boundary extremes.
    const bool bounded = WithinBounds();
    // Then the same distributed code, from the initial state, against the serial result
    // (its halo times are not the measured ones: keep those).
    const double intra = comm_intra_, inter = comm_inter_;
    Reset();
    for (int it = 0; it < iterations_; ++it) Sweep(nullptr);
    comm_intra_ = intra;
    comm_inter_ = inter;
    const std::vector<double> expected =
        StencilReference(n_, m_, rows_.begin, rows_.end, cols_.begin, cols_.end, iterations_);
    long long mismatches = 0;
    double checksum = 0;
    for (long long i = 0; i < lr_; ++i)
      for (long long j = 0; j < lc_; ++j) {
        const double value = At(cur_, i + 1, j + 1);
        checksum += value;
        if (value != expected[static_cast<std::size_t>(i * lc_ + j)]) ++mismatches;
      }
    long long local[2] = {mismatches, bounded ? 0 : 1};
    long long total[2] = {0, 0};
    MPI_Allreduce(local, total, 2, MPI_LONG_LONG, MPI_SUM, ctx_->comm);
    MPI_Allreduce(&checksum, &checksum_, 1, MPI_DOUBLE, MPI_SUM, ctx_->comm);
    mismatches_ = total[0];
    const std::string shape = std::to_string(dims_[0]) + " x " + std::to_string(dims_[1]);
    if (total[1] > 0) return {false, "values left the initial/boundary range during timed sweeps"};
    return {mismatches_ == 0,
            std::to_string(mismatches_) + " of " + std::to_string(n_ * m_) +
                " points differ from the serial result after " + std::to_string(iterations_) +
                " iterations on a " + shape + " process grid"};
  }

  std::span<const std::byte> CheckpointData() const override {
    return std::as_bytes(std::span<const double>(grid_[cur_]));  // the grid with its halo
  }

  Work work() const override {
    // Per point update: 3 additions and 1 multiplication; one word read (neighbours come
    // from cache) and one written.
    const double points = static_cast<double>(n_) * static_cast<double>(m_) * iterations_;
    return {points, "item", "MLUP/s", 1e6, 4.0 * points, 2.0 * sizeof(double) * points};
  }

  std::vector<KernelResult> Results() const override {
    return {{"checksum", checksum_, "1", "sum of all points after the verification sweeps"},
            {"mismatches", static_cast<double>(mismatches_), "1",
             "points differing from the serial result (must be 0)"},
            {"comm_intra", CommMax(comm_intra_), "s",
             "halo time with neighbours on the same node, last repetition, slowest rank "
             "(blocking: Sendrecv; nonblocking: Waitall)"},
            {"comm_inter", CommMax(comm_inter_), "s",
             "halo time with a neighbour on another node, last repetition, slowest rank"},
            {"process_rows", static_cast<double>(dims_[0]), "1", "process grid rows"},
            {"process_cols", static_cast<double>(dims_[1]), "1", "process grid columns"}};
  }

 private:
  double& At(int which, long long i, long long j) {
    return grid_[which][static_cast<std::size_t>(i * (lc_ + 2) + j)];
  }

  void Reset() {
    for (int g = 0; g < 2; ++g)
      for (long long i = 0; i < lr_ + 2; ++i)
        for (long long j = 0; j < lc_ + 2; ++j) {
          const long long gi = rows_.begin + i - 1, gj = cols_.begin + j - 1;
          const bool outside = gi < 0 || gi >= n_ || gj < 0 || gj >= m_;
          At(g, i, j) = outside ? StencilBoundary(gi, gj) : StencilInitial(gi, gj);
        }
    cur_ = 0;
  }

  bool WithinBounds() {
    for (long long i = 1; i <= lr_; ++i)
      for (long long j = 1; j <= lc_; ++j) {
        const double v = At(cur_, i, j);
        if (!(v >= -0.5 && v <= 1.5)) return false;  // initial in [-0.5, 0.5), boundary [0.5, 1.5]
      }
    return true;
  }

  // Halo messages: rows are contiguous, columns use a strided datatype.
  void ExchangeBlocking() {
    double* g = grid_[cur_].data();
    const long long w = lc_ + 2;
    const int count = static_cast<int>(lc_);
    TimedPair(north_, south_, [&] {
      MPI_Sendrecv(g + 1 * w + 1, count, MPI_DOUBLE, north_, 0, g + (lr_ + 1) * w + 1, count,
                   MPI_DOUBLE, south_, 0, cart_.get(), MPI_STATUS_IGNORE);
      MPI_Sendrecv(g + lr_ * w + 1, count, MPI_DOUBLE, south_, 1, g + 0 * w + 1, count,
                   MPI_DOUBLE, north_, 1, cart_.get(), MPI_STATUS_IGNORE);
    });
    TimedPair(west_, east_, [&] {
      MPI_Sendrecv(g + 1 * w + 1, 1, column_type_.get(), west_, 2, g + 1 * w + lc_ + 1, 1,
                   column_type_.get(), east_, 2, cart_.get(), MPI_STATUS_IGNORE);
      MPI_Sendrecv(g + 1 * w + lc_, 1, column_type_.get(), east_, 3, g + 1 * w + 0, 1, column_type_.get(),
                   west_, 3, cart_.get(), MPI_STATUS_IGNORE);
    });
  }

  void PostExchange(RequestSet& requests) {
    double* g = grid_[cur_].data();
    const long long w = lc_ + 2;
    const int count = static_cast<int>(lc_);
    MPI_Irecv(g + (lr_ + 1) * w + 1, count, MPI_DOUBLE, south_, 0, cart_.get(), &requests[0]);
    MPI_Irecv(g + 0 * w + 1, count, MPI_DOUBLE, north_, 1, cart_.get(), &requests[1]);
    MPI_Irecv(g + 1 * w + lc_ + 1, 1, column_type_.get(), east_, 2, cart_.get(), &requests[2]);
    MPI_Irecv(g + 1 * w + 0, 1, column_type_.get(), west_, 3, cart_.get(), &requests[3]);
    MPI_Isend(g + 1 * w + 1, count, MPI_DOUBLE, north_, 0, cart_.get(), &requests[4]);
    MPI_Isend(g + lr_ * w + 1, count, MPI_DOUBLE, south_, 1, cart_.get(), &requests[5]);
    MPI_Isend(g + 1 * w + 1, 1, column_type_.get(), west_, 2, cart_.get(), &requests[6]);
    MPI_Isend(g + 1 * w + lc_, 1, column_type_.get(), east_, 3, cart_.get(), &requests[7]);
  }

  // Updates the given rectangles of the next grid from the current one, rows split over
  // the team's threads.
  void Compute(const std::vector<Rect>& rects) {
    const double* src = grid_[cur_].data();
    double* dst = grid_[1 - cur_].data();
    const long long w = lc_ + 2;
    ctx_->team.Run([&](Worker& worker) {
      for (const Rect& r : rects) {
        const Range mine = Partition(r.rows(), worker.count(), worker.id());
        for (long long i = r.i0 + mine.begin; i < r.i0 + mine.end; ++i) {
          const double* up = src + (i - 1) * w;
          const double* row = src + i * w;
          const double* down = src + (i + 1) * w;
          double* out = dst + i * w;
#pragma omp simd
          for (long long j = r.j0; j < r.j1; ++j)
            out[j] = JacobiPoint(up[j], down[j], row[j - 1], row[j + 1]);
          worker.Checkpoint();
        }
      }
    });
  }

  void Sweep(PhaseTimer* timer) {
    PhaseTimer scratch;
    PhaseTimer& t = timer != nullptr ? *timer : scratch;
    const Rect all{1, lr_ + 1, 1, lc_ + 1};
    const bool alone = north_ == MPI_PROC_NULL && south_ == MPI_PROC_NULL &&
                       west_ == MPI_PROC_NULL && east_ == MPI_PROC_NULL;
    if (!nonblocking_ || alone) {  // with no neighbour there is nothing to overlap
      {
        auto scope = t.Measure(Phase::kComm);
        ExchangeBlocking();
      }
      auto scope = t.Measure(Phase::kCompute);
      Compute({all});
    } else {
      RequestSet requests(8);
      {
        auto scope = t.Measure(Phase::kComm);
        PostExchange(requests);
      }
      {  // points that need no halo value, while the halos are in flight
        auto scope = t.Measure(Phase::kCompute);
        Compute({{2, lr_, 2, lc_}});
      }
      {
        auto scope = t.Measure(Phase::kWait);
        const double start = NowSeconds();
        requests.WaitAll();
        // One wait covers every neighbour: inter-node as soon as one of them is remote.
        const bool remote = Remote(north_) || Remote(south_) || Remote(west_) || Remote(east_);
        (remote ? comm_inter_ : comm_intra_) += NowSeconds() - start;
      }
      auto scope = t.Measure(Phase::kCompute);
      std::vector<Rect> border = {{1, 2, 1, lc_ + 1}};
      if (lr_ > 1) border.push_back({lr_, lr_ + 1, 1, lc_ + 1});
      if (lr_ > 2) {
        border.push_back({2, lr_, 1, 2});
        if (lc_ > 1) border.push_back({2, lr_, lc_, lc_ + 1});
      }
      Compute(border);
    }
    cur_ = 1 - cur_;
  }

  RunContext* ctx_ = nullptr;
  long long n_ = 0, m_ = 0;
  int iterations_ = 1;
  bool nonblocking_ = false;
  CommHandle cart_;
  DatatypeHandle column_type_;
  int north_ = MPI_PROC_NULL, south_ = MPI_PROC_NULL, west_ = MPI_PROC_NULL, east_ = MPI_PROC_NULL;
  int dims_[2] = {1, 1};
  Range rows_{0, 0}, cols_{0, 0};
  long long lr_ = 0, lc_ = 0;
  std::vector<double> grid_[2];
  int cur_ = 0;
  double checksum_ = 0;
  long long mismatches_ = 0;
  std::vector<int> leaders_;
  double comm_intra_ = 0, comm_inter_ = 0;

  double CommMax(double mine) const {
    double most = 0;
    MPI_Allreduce(&mine, &most, 1, MPI_DOUBLE, MPI_MAX, ctx_->comm);
    return most;
  }
};

}  // namespace

double StencilInitial(long long i, long long j) {
  return static_cast<double>((i * 31 + j * 17) % 101) / 100.0 - 0.5;
}

double StencilBoundary(long long i, long long j) {
  return 1.0 + 0.5 * std::sin(0.1 * static_cast<double>(i + 2 * j));
}

std::vector<double> StencilReference(long long n, long long m, long long r0, long long r1,
                                     long long c0, long long c1, int iterations) {
  const long long er0 = std::max(0LL, r0 - iterations), er1 = std::min(n, r1 + iterations);
  const long long ec0 = std::max(0LL, c0 - iterations), ec1 = std::min(m, c1 + iterations);
  const long long h = er1 - er0 + 2, w = ec1 - ec0 + 2;
  std::vector<double> a(static_cast<std::size_t>(h * w)), b;
  for (long long i = 0; i < h; ++i)
    for (long long j = 0; j < w; ++j) {
      const long long gi = er0 + i - 1, gj = ec0 + j - 1;
      const bool outside = gi < 0 || gi >= n || gj < 0 || gj >= m;
      a[i * w + j] = outside ? StencilBoundary(gi, gj) : StencilInitial(gi, gj);
    }
  b = a;
  for (int it = 0; it < iterations; ++it) {
    for (long long i = 1; i < h - 1; ++i)
      for (long long j = 1; j < w - 1; ++j)
        b[i * w + j] = JacobiPoint(a[(i - 1) * w + j], a[(i + 1) * w + j], a[i * w + j - 1],
                                   a[i * w + j + 1]);
    std::swap(a, b);
  }
  std::vector<double> block;
  for (long long i = r0; i < r1; ++i)
    for (long long j = c0; j < c1; ++j) block.push_back(a[(i - er0 + 1) * w + (j - ec0 + 1)]);
  return block;
}

std::array<int, 2> ProcessGrid(int ranks) {
  int columns = 1;
  for (int c = 1; static_cast<long long>(c) * c <= ranks; ++c)
    if (ranks % c == 0) columns = c;
  return {ranks / columns, columns};
}

namespace {

KernelInfo StencilKernelInfo() {
  return {.name = "stencil",
          .doc = "2-D Jacobi 5-point sweeps with halo exchange (communication-bound at scale)",
          .size_doc = "grid rows N (columns: the cols parameter, default N)",
          .params = {{"cols", ParamType::kInt, std::int64_t{0}, "grid columns M (0 = square)"},
                     {"iterations", ParamType::kInt, std::int64_t{10}, "sweeps per repetition", {}, 1},
                     {"decomposition", ParamType::kString, std::string("rows"),
                      "rows (1-D) | blocks (2-D, the most nearly square process grid)",
                      kDecompositions.All()},
                     {"exchange", ParamType::kString, std::string("nonblocking"),
                      "blocking (MPI_Sendrecv) | nonblocking (Isend/Irecv, interior computed "
                      "meanwhile)",
                      kExchanges.All()}},
          .make = [] { return std::make_unique<StencilKernel>(); },
          .has_checkpoint_state = true,
          .memory_per_rank = [](const KernelParams& p, int ranks) {  // two grids
            return 2.0 * 8 * static_cast<double>(p.size()) * static_cast<double>(Columns(p)) / ranks;
          },
          .bound = Bound::kCommunication,
          .check = Check,
          .test_size = 45};
}

}  // namespace

PARLAB_REGISTER_KERNEL(StencilKernelInfo);

}  // namespace parlab
