// Checkpoint I/O overlapped (or not) with compute: each repetition computes on a
// rank-distributed array and writes it through MPI-IO or parallel HDF5 (io/checkpoint.h).
// In nonblocking modes the write of the state at the start of the repetition runs while
// its compute does; how it progresses is the `progress` method (io/progress.h).
#include <sched.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "core/aligned_buffer.h"
#include "core/collective.h"
#include "core/files.h"
#include "core/kernel.h"
#include "core/mpi_util.h"
#include "io/checkpoint.h"
#include "io/hints.h"
#include "io/overlap.h"
#include "io/probe.h"

namespace parlab {
namespace {

constexpr long long kChunk = 1 << 14;  // elements between progress checks

// CPU-bound work on one chunk: a dependent chain of multiply-adds per element, in place,
// or from `in` into another array `out` while a write still reads `in`.
void ComputeChunk(double* a, long long begin, long long end) {
#pragma omp simd
  for (long long i = begin; i < end; ++i) {
    double v = a[i];
    for (int k = 0; k < 32; ++k) v = v * 0.999 + 0.001;
    a[i] = v;
  }
}
void ComputeChunk(const double* __restrict in, double* __restrict out, long long begin, long long end) {
#pragma omp simd
  for (long long i = begin; i < end; ++i) {
    double v = in[i];
    for (int k = 0; k < 32; ++k) v = v * 0.999 + 0.001;
    out[i] = v;
  }
}

std::uint64_t Fnv1a(const unsigned char* bytes, std::size_t count) {
  std::uint64_t hash = 1469598103934665603ULL;
  for (std::size_t i = 0; i < count; ++i) hash = (hash ^ bytes[i]) * 1099511628211ULL;
  return hash;
}

IoOptions OptionsOf(const KernelParams& params, const ProgressContext& context) {
  IoOptions options;
  options.mode = params.Choice("mode", kIoModeNames);
  options.layout = params.Choice("layout", kIoLayoutNames);
  options.dir = params.String("dir");
  options.sync = params.Bool("sync");
  options.keep_files = params.Bool("keep_files");
  options.hints = ParseHints(params.String("hints"));
  options.progress = ResolveProgress(params.Choice("progress", kIoProgressNames), context);
  return options;
}

std::string Check(const KernelParams& params, const CheckContext& context) {
  try {
    ParseHints(params.String("hints"));
  } catch (const std::invalid_argument& e) {
    return std::string("hints: ") + e.what();
  }
  const bool nonblocking = ModeInfo(params.Choice("mode", kIoModeNames)).nonblocking;
  if (context.event_loop && !nonblocking)
    return "the async model runs one thread that polls its pending I/O: use a nonblocking mode";
  if (!nonblocking) return "";
  return ProgressRefusal(params.Choice("progress", kIoProgressNames),
                         {context.thread_level, context.event_loop});
}

std::string Preflight(const KernelParams& params) {
  const std::string& dir = params.String("dir");
  if (FileKind(dir).empty()) return "io dir = \"" + dir + "\": No such file or directory";
  if (access(dir.c_str(), W_OK | X_OK) != 0)
    return "io dir = \"" + dir + "\": " + std::strerror(errno);
  return "";
}

// The CPUs this node's ranks of comm may run on (the union of their affinity masks) and
// how many ranks the node holds: the core budget the overlap ceiling is computed from.
std::pair<int, int> NodeCoresAndRanks(MPI_Comm comm) {
  CommHandle node;
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, node.out());
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(0, sizeof(mask), &mask) != 0) CPU_SET(0, &mask);
  MPI_Allreduce(MPI_IN_PLACE, &mask, static_cast<int>(sizeof(mask)), MPI_BYTE, MPI_BOR, node.get());
  return {CPU_COUNT(&mask), Size(node.get())};
}

class IoKernel final : public Kernel {
 public:
  void Setup(const KernelParams& params, RunContext& ctx) override {
    int level = MPI_THREAD_SINGLE;
    MPI_Query_thread(&level);
    const std::string refused = Check(params, {{ctx.ranks, ctx.team.size()}, ctx.team.event_loop(), level});
    if (!refused.empty()) throw std::invalid_argument(refused);  // validation missed it
    ctx_ = &ctx;
    global_ = params.size();
    options_ = OptionsOf(params, {level, ctx.team.event_loop()});
    test_interval_ = params.Int("test_interval");
    sweeps_ = params.Int("compute_sweeps");
    mine_ = Partition(global_, ctx.ranks, ctx.rank);
    std::tie(node_cores_, node_ranks_) = NodeCoresAndRanks(ctx.comm);
    const auto n = static_cast<std::size_t>(mine_.size());
    state_[0] = AlignedBuffer<double>(n);
    state_[1] = AlignedBuffer<double>(nonblocking() ? n : 0);
    ctx.team.Run([&](Worker& worker) {
      const Range part = Partition(mine_.size(), worker.count(), worker.id());
      for (long long i = part.begin; i < part.end; ++i) {
        state_[0][i] = static_cast<double>((mine_.begin + i) % 1000) * 0.001;
        if (state_[1].size() > 0) state_[1][i] = 0.0;
      }
    });
    file_ = std::make_unique<CheckpointFile>(ctx.comm, options_, n * sizeof(double));
    hints_ = file_->HintsInEffect();
  }

  void Run(PhaseTimer& timer) override {
    if (!nonblocking()) return RunBlocking(timer);
    // Double buffering instead of a snapshot copy: the write reads the state the previous
    // repetition left, while this repetition's first sweep reads it too and writes the
    // other buffer, which the later sweeps update in place.
    double* in = state_[current_].data();
    double* out = sweeps_ > 0 ? state_[1 - current_].data() : in;
    double start = NowSeconds();
    file_->Post(in);
    SplitIdle(timer, Phase::kPost, NowSeconds() - start);
    long long chunks = 0;
    bool done = false;
    const auto test = [&](PhaseTimer& t) {
      if (done || ++chunks % test_interval_ != 0) return;
      auto scope = t.Measure(Phase::kTest);
      done = file_->Test();
    };
    Compute(timer, in, out, options_.progress == IoProgress::kTest ? BetweenChunks(test) : BetweenChunks());
    start = NowSeconds();
    const double sync_s = file_->Wait();
    timer.Add(Phase::kSync, sync_s);
    SplitIdle(timer, Phase::kWait, NowSeconds() - start - sync_s);
    written_ = in;
    if (out != in) current_ = 1 - current_;
  }

  Verification Verify() override {
    const double* expected = written_ != nullptr ? written_ : state_[0].data();
    const std::size_t n = state_[0].size();
    AlignedBuffer<double> back(n);
    std::memset(back.data(), 0xAB, n * sizeof(double));
    file_->ReadBack(back.data());
    const auto* want = reinterpret_cast<const unsigned char*>(expected);
    const auto* got = reinterpret_cast<const unsigned char*>(back.data());
    long long wrong = 0;
    for (std::size_t i = 0; i < n * sizeof(double); ++i) wrong += want[i] != got[i];
    const std::uint64_t mine = Fnv1a(got, n * sizeof(double));
    long long total_wrong = 0;
    MPI_Allreduce(&wrong, &total_wrong, 1, MPI_LONG_LONG, MPI_SUM, ctx_->comm);
    MPI_Allreduce(&mine, &checksum_, 1, MPI_UINT64_T, MPI_BXOR, ctx_->comm);
    wrong_ = total_wrong;
    return {total_wrong == 0,
            std::to_string(Bytes() - static_cast<double>(total_wrong)) + " of " +
                std::to_string(Bytes()) + " bytes read back from " + file_->path() +
                " match what was written"};
  }

  Work work() const override { return {Bytes(), "byte", "GB/s", 1e9, 0, 0}; }  // storage bytes

  std::vector<KernelResult> Results() const override {
    return {{"bytes", Bytes(), "byte", "bytes written per repetition, all ranks"},
            {"mismatched_bytes", static_cast<double>(wrong_), "byte",
             "bytes read back that differ from those written (must be 0)"},
            {"checksum", static_cast<double>(checksum_ >> 11), "1",
             "XOR over ranks of the FNV-1a hash of the bytes read back, top 53 bits"},
            {"node_cores", static_cast<double>(node_cores_), "1",
             "CPUs the ranks on rank 0's node may run on (union of their affinity masks)"},
            {"node_ranks", static_cast<double>(node_ranks_), "1", "ranks of this run on rank 0's node"}};
  }

  std::map<std::string, std::string> Notes() const override {
    return {{"hints_in_effect", hints_},
            {"progress_used", ProgressUsed(options_)},
            {"scratch_file", file_ ? file_->path() : ""}};
  }

 private:
  using BetweenChunks = std::function<void(PhaseTimer&)>;
  double Bytes() const { return static_cast<double>(global_) * sizeof(double); }
  bool nonblocking() const { return ModeInfo(options_.mode).nonblocking; }

  void RunBlocking(PhaseTimer& timer) {
    Compute(timer, state_[0].data(), state_[0].data(), BetweenChunks());
    double start = NowSeconds();
    file_->Write(state_[0].data());
    SplitIdle(timer, Phase::kIo, NowSeconds() - start);
    if (!options_.sync) return;
    start = NowSeconds();
    file_->Sync();
    SplitIdle(timer, Phase::kSync, NowSeconds() - start);
  }

  // Time in the collective agreement after an I/O call is waiting for other ranks: idle.
  void SplitIdle(PhaseTimer& timer, Phase phase, double seconds) {
    const double idle = std::min(seconds, file_->TakeAgreeSeconds());
    timer.Add(Phase::kIdle, idle);
    timer.Add(phase, seconds - idle);
  }

  // compute_sweeps passes, the first from `in` into `out`, the others in place on `out`;
  // `between` runs on the master thread between its chunks (progress tests), and its time
  // is not counted as compute.
  void Compute(PhaseTimer& timer, const double* in, double* out, const BetweenChunks& between) {
    PhaseTimer inner;
    const double start = NowSeconds();
    for (std::int64_t s = 0; s < sweeps_; ++s) {
      const double* from = s == 0 ? in : out;
      ctx_->team.Run([&](Worker& worker) {
        const Range part = Partition(mine_.size(), worker.count(), worker.id());
        for (long long c = part.begin; c < part.end; c += kChunk) {
          const long long end = std::min(part.end, c + kChunk);
          if (from == out)
            ComputeChunk(out, c, end);
          else
            ComputeChunk(from, out, c, end);
          if (between && worker.id() == 0) between(inner);
          worker.Checkpoint();
        }
      });
    }
    timer.Add(Phase::kTest, inner.Get(Phase::kTest));
    timer.Add(Phase::kCompute, NowSeconds() - start - inner.Get(Phase::kTest));
  }

  RunContext* ctx_ = nullptr;
  long long global_ = 0;
  IoOptions options_;
  std::int64_t test_interval_ = 1;
  std::int64_t sweeps_ = 0;
  Range mine_{0, 0};
  int node_cores_ = 1, node_ranks_ = 1;
  AlignedBuffer<double> state_[2];
  int current_ = 0;                  // the buffer holding the state
  const double* written_ = nullptr;  // what the last nonblocking write wrote
  std::unique_ptr<CheckpointFile> file_;
  std::string hints_;
  long long wrong_ = 0;
  std::uint64_t checksum_ = 0;
};

KernelInfo IoKernelInfo() {
  return {
      .name = "io",
      .doc = "checkpoint of a distributed array through MPI-IO / parallel HDF5, overlapped or not",
      .size_doc = "global array length in doubles (split over ranks); bytes = 8 x size",
      .params = {{"mode", ParamType::kString, std::string("blocking"), IoModesDoc(),
                  kIoModeNames.All()},
                 {"layout", ParamType::kString, std::string("shared-file"),
                  "shared-file | file-per-rank", kIoLayoutNames.All()},
                 {"progress", ParamType::kString, std::string("auto"),
                  "nonblocking modes: auto (helper with MPI_THREAD_MULTIPLE, else test; the "
                  "choice is note_progress_used) | none | test (MPI_Test between compute "
                  "chunks) | thread (a helper thread posts and polls MPI_Test with sleeps) | "
                  "helper (a helper thread writes with the blocking call)",
                  kIoProgressNames.All()},
                 {"test_interval", ParamType::kInt, std::int64_t{1},
                  "compute chunks (16 Ki elements) between MPI_Test calls", {}, 1},
                 {"compute_sweeps", ParamType::kInt, std::int64_t{4},
                  "compute passes over the array per repetition (64 flop per element each)", {}, 0},
                 {"dir", ParamType::kString, std::string("/tmp"),
                  "directory for the scratch files (a private subdirectory is made in it)"},
                 {"sync", ParamType::kBool, false, "MPI_File_sync after each write, inside the timing"},
                 {"keep_files", ParamType::kBool, false, "keep the scratch files afterwards"},
                 {"hints", ParamType::kString, std::string(""),
                  "MPI_Info hints, \"key=value;key=value\" (e.g. cb_nodes=1;romio_cb_write=enable)"}},
      .make = [] { return std::make_unique<IoKernel>(); },
      .has_event_loop = true,
      .memory_per_rank = [](const KernelParams& p, int ranks) {  // two states, read-back
        return 3.0 * 8 * static_cast<double>(p.size()) / ranks;
      },
      .bound = Bound::kIo,
      .check = Check,
      .preflight = Preflight,
      .probe = [](MPI_Comm comm, const KernelParams& p) {
        return ProbeNonblockingIo(comm, p.String("dir"));
      },
      .make_deriver = MakeOverlapDeriver,
      .test_size = 5000};
}

}  // namespace

PARLAB_REGISTER_KERNEL(IoKernelInfo);

}  // namespace parlab
