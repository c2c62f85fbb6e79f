#include "kernels/stencil.h"

#include <algorithm>
#include <cmath>
#include <span>

#include "core/collective.h"
#include "core/kernel.h"
#include "core/mpi_transport.h"
#include "core/mpi_util.h"
#include "kernels/stencil_halo.h"

namespace parlab {
namespace {

// Polls before a waiting thread of the multiple style yields its core (about a
// millisecond): yielding sooner loses the core to other processes on a busy machine, never
// yielding starves the rank's other threads when they outnumber the cores.
constexpr int kSpinsBeforeYield = 20000;

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
    threading_ = params.Choice("threading", kThreadings);
    if (threading_ == Threading::kPartitioned) throw std::logic_error(StencilUnavailable(params));
    const std::array<int, 2> dims = GridOf(params, ctx.ranks);
    const int periods[2] = {0, 0};
    MPI_Cart_create(ctx.comm, 2, dims.data(), periods, 0, cart_.out());
    int coords[2] = {0, 0};
    MPI_Cart_coords(cart_.get(), ctx.rank, 2, coords);
    MPI_Cart_shift(cart_.get(), 0, 1, &block_.north, &block_.south);
    MPI_Cart_shift(cart_.get(), 1, 1, &block_.west, &block_.east);
    leaders_ = NodeLeaders(cart_.get());  // neighbours on another node: halos timed as comm_inter
    dims_ = dims;
    rows_ = Partition(n_, dims[0], coords[0]);
    cols_ = Partition(m_, dims[1], coords[1]);
    lr_ = rows_.size();
    lc_ = cols_.size();
    if (lr_ == 0 || lc_ == 0) throw std::invalid_argument(CheckStencil(params, {.shape = {ctx.ranks, 1}}));
    const auto cells = static_cast<std::size_t>((lr_ + 2) * (lc_ + 2));
    grid_[0].assign(cells, 0.0);
    grid_[1].assign(cells, 0.0);
    block_.lr = lr_;
    block_.lc = lc_;
    block_.grids = {grid_[0].data(), grid_[1].data()};
    all_ = {All()};
    interior_ = {Interior()};
    border_ = Border();
    MakeSegments(params.Choice("column_halo", kColumnHalos), params.Choice("requests", kHaloRequests));
    Reset();
  }

  void Run(PhaseTimer& timer) override {
    comm_intra_ = comm_inter_ = 0;
    for (HaloSegment& segment : segments_) segment.SetTimes();
    for (int it = 0; it < iterations_; ++it) Sweep(&timer);
  }

  Verification Verify() override {
    // The timed sweeps kept going from repetition to repetition; by the maximum principle
    // every value must stay within the initial and boundary extremes.
    const bool bounded = WithinBounds();
    // Then the same distributed code, from the initial state, against the serial result
    // (its halo times are not the measured ones: keep those).
    const double intra = comm_intra_, inter = comm_inter_;
    std::vector<HaloTimes> kept;
    for (const HaloSegment& segment : segments_) kept.push_back(segment.times());
    Reset();
    for (int it = 0; it < iterations_; ++it) Sweep(nullptr);
    comm_intra_ = intra;
    comm_inter_ = inter;
    for (std::size_t s = 0; s < segments_.size(); ++s) segments_[s].SetTimes(kept[s]);
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
    // The two grids, each swept once per iteration.
    return {points, "item", "MLUP/s", 1e6, 4.0 * points, 2.0 * sizeof(double) * points,
            2.0 * sizeof(double) * static_cast<double>(n_) * static_cast<double>(m_)};
  }

  std::vector<KernelResult> Results() const override;

 private:
  double& At(int which, long long i, long long j) {
    return grid_[which][static_cast<std::size_t>(i * (lc_ + 2) + j)];
  }

  bool Remote(int neighbour) const {
    return neighbour != MPI_PROC_NULL && leaders_[neighbour] != leaders_[ctx_->rank];
  }

  // One segment for the whole halo, or one per thread, each on its own communicator.
  void MakeSegments(ColumnHalo columns, HaloRequests requests) {
    segments_.clear();
    thread_comms_.clear();
    if (threading_ != Threading::kMultiple) {
      segments_.emplace_back(cart_.get(), block_, Range{0, lr_}, Range{0, lc_}, columns, requests);
      return;
    }
    const int threads = ctx_->team.size();
    thread_comms_.resize(static_cast<std::size_t>(threads));
    segments_.reserve(static_cast<std::size_t>(threads));
    for (int t = 0; t < threads; ++t) {
      MPI_Comm_dup(cart_.get(), thread_comms_[static_cast<std::size_t>(t)].out());
      segments_.emplace_back(thread_comms_[static_cast<std::size_t>(t)].get(), block_,
                             Partition(lr_, threads, t), Partition(lc_, threads, t), columns,
                             requests, kSpinsBeforeYield);
    }
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

  // Updates part `part` of `parts` of the rows of each rectangle of the next grid.
  void ComputeRows(Worker& worker, const std::vector<Rect>& rects, int part, int parts) {
    const double* src = grid_[cur_].data();
    double* dst = grid_[1 - cur_].data();
    const long long w = lc_ + 2;
    for (const Rect& r : rects) {
      const Range mine = Partition(r.rows(), parts, part);
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
  }

  void Compute(const std::vector<Rect>& rects) {
    ctx_->team.Run([&](Worker& worker) { ComputeRows(worker, rects, worker.id(), worker.count()); });
  }

  Rect All() const { return {1, lr_ + 1, 1, lc_ + 1}; }
  // The points that need no received halo value: a side without a neighbour borders the
  // fixed boundary, so its edge rows or columns are interior too (no strided strips there).
  Rect Interior() const {
    const long long i0 = block_.north != MPI_PROC_NULL ? 2 : 1;
    const long long j0 = block_.west != MPI_PROC_NULL ? 2 : 1;
    const long long i1 = std::max(i0, block_.south != MPI_PROC_NULL ? lr_ : lr_ + 1);
    const long long j1 = std::max(j0, block_.east != MPI_PROC_NULL ? lc_ : lc_ + 1);
    return {i0, i1, j0, j1};
  }
  // All but the interior: full-width rows above and below it, then the columns beside it.
  std::vector<Rect> Border() const {
    const Rect in = Interior();
    std::vector<Rect> border;
    const auto add = [&](Rect r) { if (r.rows() > 0 && r.j1 > r.j0) border.push_back(r); };
    add({1, in.i0, 1, lc_ + 1});
    add({in.i0, in.i1, 1, in.j0});
    add({in.i0, in.i1, in.j1, lc_ + 1});
    add({in.i1, lr_ + 1, 1, lc_ + 1});
    return border;
  }

  void Sweep(PhaseTimer* timer);
  void SweepFunneled(PhaseTimer& t);
  void SweepOverlap(PhaseTimer& t);
  void SweepMultiple(PhaseTimer& t);
  void BookHalo(std::span<const HaloTimes> before);

  RunContext* ctx_ = nullptr;
  long long n_ = 0, m_ = 0;
  int iterations_ = 1;
  bool nonblocking_ = false;
  Threading threading_ = Threading::kFunneled;
  // Declared before the segments, whose requests point into them: destroyed after them.
  CommHandle cart_;
  std::vector<CommHandle> thread_comms_;
  std::vector<double> grid_[2];
  HaloBlock block_;
  std::vector<HaloSegment> segments_;
  std::array<int, 2> dims_ = {1, 1};
  Range rows_{0, 0}, cols_{0, 0};
  long long lr_ = 0, lc_ = 0;
  int cur_ = 0;
  double checksum_ = 0;
  long long mismatches_ = 0;
  std::vector<int> leaders_;
  std::vector<Rect> all_, interior_, border_;  // what a sweep computes, made once
  std::vector<HaloTimes> before_;               // the segments' times before a sweep
  double comm_intra_ = 0, comm_inter_ = 0;
};

void StencilKernel::Sweep(PhaseTimer* timer) {
  PhaseTimer scratch;
  PhaseTimer& t = timer != nullptr ? *timer : scratch;
  const bool alone = block_.north == MPI_PROC_NULL && block_.south == MPI_PROC_NULL &&
                     block_.west == MPI_PROC_NULL && block_.east == MPI_PROC_NULL;
  if (alone) {  // no neighbour: nothing to exchange or overlap
    auto scope = t.Measure(Phase::kCompute);
    Compute(all_);
  } else if (threading_ == Threading::kOverlap) {
    SweepOverlap(t);
  } else if (threading_ == Threading::kMultiple) {
    SweepMultiple(t);
  } else {
    SweepFunneled(t);
  }
  cur_ = 1 - cur_;
}

// The master thread exchanges; the team computes before (blocking) or around it.
// Samples: pack, post and unpack are comm; the wait is comm when blocking, wait otherwise.
void StencilKernel::SweepFunneled(PhaseTimer& t) {
  HaloSegment& halo = segments_[0];
  const HaloTimes before = halo.times();
  halo.Start(cur_);
  if (nonblocking_) {
    auto scope = t.Measure(Phase::kCompute);
    Compute(interior_);
  }
  halo.Finish(cur_);
  const HaloTimes& after = halo.times();
  const double wait = after.wait - before.wait;
  t.Add(Phase::kComm, after.total() - before.total() - (nonblocking_ ? wait : 0.0));
  if (nonblocking_) t.Add(Phase::kWait, wait);
  BookHalo({&before, 1});
  auto scope = t.Measure(Phase::kCompute);
  Compute(nonblocking_ ? border_ : all_);
}

// Thread 0 exchanges (and waits, so the library progresses) while the others compute the
// interior; alone, it computes the interior between start and wait. Samples: compute.
void StencilKernel::SweepOverlap(PhaseTimer& t) {
  HaloSegment& halo = segments_[0];
  const HaloTimes before = halo.times();
  {
    auto scope = t.Measure(Phase::kCompute);
    ctx_->team.Run([&](Worker& worker) {
      const int others = worker.count() - 1;
      if (worker.id() == 0) {
        halo.Start(cur_);
        if (others == 0) ComputeRows(worker, interior_, 0, 1);
        worker.Blocking([&] { halo.Finish(cur_); });
      } else {
        ComputeRows(worker, interior_, worker.id() - 1, others);
      }
    });
  }
  BookHalo({&before, 1});
  auto scope = t.Measure(Phase::kCompute);
  Compute(border_);
}

// Every thread exchanges its own segment on its own communicator (and, nonblocking,
// computes its share of the interior meanwhile). Samples: comm (blocking) or compute.
void StencilKernel::SweepMultiple(PhaseTimer& t) {
  before_.clear();
  for (const HaloSegment& segment : segments_) before_.push_back(segment.times());
  {
    auto scope = t.Measure(nonblocking_ ? Phase::kCompute : Phase::kComm);
    ctx_->team.Run([&](Worker& worker) {
      HaloSegment& mine = segments_[static_cast<std::size_t>(worker.id())];
      mine.Start(cur_);
      if (nonblocking_) ComputeRows(worker, interior_, worker.id(), worker.count());
      worker.Blocking([&] { mine.Finish(cur_); });
    });
  }
  BookHalo(before_);
  auto scope = t.Measure(Phase::kCompute);
  Compute(nonblocking_ ? border_ : all_);
}

// Halo time of this sweep (mean over segments), inter-node as soon as a neighbour is remote.
void StencilKernel::BookHalo(std::span<const HaloTimes> before) {
  double seconds = 0;
  for (std::size_t s = 0; s < before.size(); ++s)
    seconds += segments_[s].times().total() - before[s].total();
  const bool remote = Remote(block_.north) || Remote(block_.south) || Remote(block_.west) ||
                      Remote(block_.east);
  (remote ? comm_inter_ : comm_intra_) += seconds / static_cast<double>(before.size());
}

std::vector<KernelResult> StencilKernel::Results() const {
  // Per exchange, mean over segments (threads), then the slowest rank.
  double phases[8] = {0, 0, 0, 0, 0, 0, comm_intra_, comm_inter_};
  const auto segments = static_cast<double>(segments_.size());
  for (const HaloSegment& segment : segments_) {
    const HaloTimes& h = segment.times();
    const double per = h.exchanges > 0 ? 1.0 / (static_cast<double>(h.exchanges) * segments) : 0.0;
    phases[0] += h.pack * per;
    phases[1] += h.post * per;
    phases[2] += h.wait * per;
    phases[3] += h.unpack * per;
    phases[4] += h.total() * per;
    phases[5] += static_cast<double>(segment.bytes_sent());
  }
  double most[8] = {};
  MPI_Allreduce(phases, most, 8, MPI_DOUBLE, MPI_MAX, ctx_->comm);
  double counts[2] = {0, segments};  // persistent segments, segments
  for (const HaloSegment& segment : segments_) counts[0] += segment.persistent() ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, counts, 2, MPI_DOUBLE, MPI_SUM, ctx_->comm);
  const double persistent = counts[0] / counts[1];
  const char* per_exchange = " per halo exchange, last repetition, mean over the exchanging "
                             "threads, slowest rank";
  return {{"checksum", checksum_, "1", "sum of all points after the verification sweeps"},
          {"mismatches", static_cast<double>(mismatches_), "1",
           "points differing from the serial result (must be 0)"},
          {"comm_intra", most[6], "s",
           "halo time (pack + post + wait + unpack) with neighbours on the same node, last "
           "repetition, slowest rank"},
          {"comm_inter", most[7], "s",
           "halo time with a neighbour on another node, last repetition, slowest rank"},
          {"halo_pack", most[0], "s", std::string("packing columns into send buffers") + per_exchange},
          {"halo_post", most[1], "s", std::string("posting the messages (MPI_Startall or MPI_Isend / MPI_Irecv)") + per_exchange},
          {"halo_wait", most[2], "s", std::string("waiting for every message") + per_exchange},
          {"halo_unpack", most[3], "s", std::string("unpacking received columns") + per_exchange},
          {"halo_exchange", most[4], "s", std::string("pack + post + wait + unpack") + per_exchange},
          {"halo_bytes", most[5], "byte", "bytes one rank sends per halo exchange, largest rank"},
          {"halo_persistent", persistent, "1",
           "fraction of the halo segments (threads x ranks) exchanged with persistent requests "
           "started every sweep; the others post MPI_Isend / MPI_Irecv every sweep (what "
           "requests = auto chose by message size)"},
          {"process_rows", static_cast<double>(dims_[0]), "1", "process grid rows"},
          {"process_cols", static_cast<double>(dims_[1]), "1", "process grid columns"}};
}

KernelInfo StencilKernelInfo() {
  return {.name = "stencil",
          .doc = "2-D Jacobi 5-point sweeps with halo exchange (communication-bound at scale)",
          .size_doc = "grid rows N (columns: the cols parameter, default N)",
          .params = StencilParams(),
          .make = [] { return std::make_unique<StencilKernel>(); },
          .has_checkpoint_state = true,
          .memory_per_rank = [](const KernelParams& p, int ranks) {  // two grids
            return 2.0 * 8 * static_cast<double>(p.size()) * static_cast<double>(Columns(p)) / ranks;
          },
          .bound = Bound::kCommunication,
          .check = CheckStencil,
          .unavailable = StencilUnavailable,
          .probe = [](MPI_Comm, const KernelParams&) { return TransportSettings(); },
          .test_size = 45};
}

}  // namespace

PARLAB_REGISTER_KERNEL(StencilKernelInfo);

}  // namespace parlab
