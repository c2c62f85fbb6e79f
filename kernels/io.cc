// Checkpoint I/O overlapped (or not) with compute: each repetition computes on a
// rank-distributed array and writes it through MPI-IO or parallel HDF5 (io/checkpoint.h).
// In nonblocking mode the write of a snapshot runs while the next compute sweeps do, and
// progress comes from nothing (none), from MPI_Test between compute chunks (test), or from
// a progress thread (thread).
#include <unistd.h>

#include <cstring>
#include <exception>
#include <memory>
#include <thread>

#include "core/aligned_buffer.h"
#include "core/collective.h"
#include "core/files.h"
#include "core/kernel.h"
#include "io/checkpoint.h"
#include "io/hints.h"
#include "io/overlap.h"
#include "io/probe.h"

namespace parlab {
namespace {

constexpr long long kChunk = 1 << 14;  // elements between progress checks

enum class Progress { kNone, kTest, kThread };
constexpr EnumNames<Progress, 3> kProgressNames{
    {{{Progress::kNone, "none"}, {Progress::kTest, "test"}, {Progress::kThread, "thread"}}}};

// CPU-bound work on one chunk: a dependent chain of multiply-adds per element.
void ComputeChunk(double* a, long long begin, long long end) {
#pragma omp simd
  for (long long i = begin; i < end; ++i) {
    double v = a[i];
    for (int k = 0; k < 32; ++k) v = v * 0.999 + 0.001;
    a[i] = v;
  }
}

std::uint64_t Fnv1a(const unsigned char* bytes, std::size_t count) {
  std::uint64_t hash = 1469598103934665603ULL;
  for (std::size_t i = 0; i < count; ++i) hash = (hash ^ bytes[i]) * 1099511628211ULL;
  return hash;
}

IoOptions OptionsOf(const KernelParams& params) {
  IoOptions options;
  options.mode = params.Choice("mode", kIoModeNames);
  options.layout = params.Choice("layout", kIoLayoutNames);
  options.dir = params.String("dir");
  options.sync = params.Bool("sync");
  options.keep_files = params.Bool("keep_files");
  options.hints = ParseHints(params.String("hints"));
  return options;
}

std::string Check(const KernelParams& params, const CheckContext& context) {
  try {
    ParseHints(params.String("hints"));
  } catch (const std::invalid_argument& e) {
    return std::string("hints: ") + e.what();
  }
  const bool nonblocking = ModeInfo(params.Choice("mode", kIoModeNames)).nonblocking;
  const Progress progress = params.Choice("progress", kProgressNames);
  if (context.event_loop && (!nonblocking || progress == Progress::kThread))
    return "the async model runs one thread that polls its pending I/O: use mode = "
           "\"nonblocking\" with progress = \"test\" or \"none\"";
  if (nonblocking && progress == Progress::kThread && context.thread_level < MPI_THREAD_MULTIPLE)
    return "progress = \"thread\" needs MPI_THREAD_MULTIPLE, which this MPI library did not grant";
  return "";
}

std::string Preflight(const KernelParams& params) {
  const std::string& dir = params.String("dir");
  if (FileKind(dir).empty()) return "io dir = \"" + dir + "\": No such file or directory";
  if (access(dir.c_str(), W_OK | X_OK) != 0)
    return "io dir = \"" + dir + "\": " + std::strerror(errno);
  return "";
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
    options_ = OptionsOf(params);
    progress_ = params.Choice("progress", kProgressNames);
    test_interval_ = params.Int("test_interval");
    sweeps_ = params.Int("compute_sweeps");
    mine_ = Partition(global_, ctx.ranks, ctx.rank);
    const auto n = static_cast<std::size_t>(mine_.size());
    array_ = AlignedBuffer<double>(n);
    snapshot_ = AlignedBuffer<double>(nonblocking() ? n : 0);
    ctx.team.Run([&](Worker& worker) {
      const Range part = Partition(mine_.size(), worker.count(), worker.id());
      for (long long i = part.begin; i < part.end; ++i) {
        array_[i] = static_cast<double>((mine_.begin + i) % 1000) * 0.001;
        if (snapshot_.size() > 0) snapshot_[i] = 0.0;
      }
    });
    file_ = std::make_unique<CheckpointFile>(ctx.comm, options_, n * sizeof(double));
    hints_ = file_->HintsInEffect();
  }

  void Run(PhaseTimer& timer) override {
    if (!nonblocking()) return RunBlocking(timer);
    double start = NowSeconds();
    std::memcpy(snapshot_.data(), array_.data(), array_.size() * sizeof(double));
    if (progress_ == Progress::kThread) return RunWithProgressThread(timer, start);
    file_->Post(snapshot_.data());
    SplitIdle(timer, Phase::kPost, NowSeconds() - start);
    if (progress_ == Progress::kTest) {
      long long chunks = 0;
      bool done = false;
      Compute(timer, [&](PhaseTimer& t) {
        if (done || ++chunks % test_interval_ != 0) return;
        auto scope = t.Measure(Phase::kTest);
        done = file_->Test();
      });
    } else {
      Compute(timer, nullptr);
    }
    start = NowSeconds();
    file_->Wait();
    if (options_.sync) file_->Sync();
    SplitIdle(timer, Phase::kWait, NowSeconds() - start);
  }

  Verification Verify() override {
    const double* expected = nonblocking() ? snapshot_.data() : array_.data();
    AlignedBuffer<double> back(array_.size());
    std::memset(back.data(), 0xAB, back.size() * sizeof(double));
    file_->ReadBack(back.data());
    const auto* want = reinterpret_cast<const unsigned char*>(expected);
    const auto* got = reinterpret_cast<const unsigned char*>(back.data());
    long long wrong = 0;
    for (std::size_t i = 0; i < back.size() * sizeof(double); ++i) wrong += want[i] != got[i];
    const std::uint64_t mine = Fnv1a(got, back.size() * sizeof(double));
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
             "XOR over ranks of the FNV-1a hash of the bytes read back, top 53 bits"}};
  }

  std::map<std::string, std::string> Notes() const override {
    return {{"hints_in_effect", hints_},
            {"progress_used", nonblocking() ? kProgressNames.Name(progress_) : "n/a (blocking)"},
            {"scratch_file", file_ ? file_->path() : ""}};
  }

 private:
  double Bytes() const { return static_cast<double>(global_) * sizeof(double); }
  bool nonblocking() const { return ModeInfo(options_.mode).nonblocking; }

  void RunBlocking(PhaseTimer& timer) {
    Compute(timer, nullptr);
    const double start = NowSeconds();
    file_->Write(array_.data());
    if (options_.sync) file_->Sync();
    SplitIdle(timer, Phase::kIo, NowSeconds() - start);
  }

  // The progress thread drives the whole write: post, wait and sync happen on it (Open
  // MPI's OMPIO does most of a collective write inside the post call itself).
  void RunWithProgressThread(PhaseTimer& timer, double start) {
    std::exception_ptr error;
    std::thread progress([&] {
      try {
        file_->Post(snapshot_.data());
        file_->Wait();
        if (options_.sync) file_->Sync();
      } catch (...) {
        error = std::current_exception();
      }
    });
    timer.Add(Phase::kPost, NowSeconds() - start);
    Compute(timer, nullptr);
    start = NowSeconds();
    progress.join();
    // The progress thread's agreements ran beside the compute, not in this wait: all of the
    // join is waiting for the write.
    file_->TakeAgreeSeconds();
    timer.Add(Phase::kWait, NowSeconds() - start);
    if (error) std::rethrow_exception(error);
  }

  // Time in the collective agreement after an I/O call is waiting for other ranks: idle.
  void SplitIdle(PhaseTimer& timer, Phase phase, double seconds) {
    const double idle = std::min(seconds, file_->TakeAgreeSeconds());
    timer.Add(Phase::kIdle, idle);
    timer.Add(phase, seconds - idle);
  }

  // compute_sweeps passes over the array; `between` runs on the master thread between
  // its chunks (progress tests), and its time is not counted as compute.
  void Compute(PhaseTimer& timer, const std::function<void(PhaseTimer&)>& between) {
    PhaseTimer inner;
    const double start = NowSeconds();
    for (std::int64_t s = 0; s < sweeps_; ++s) {
      ctx_->team.Run([&](Worker& worker) {
        const Range part = Partition(mine_.size(), worker.count(), worker.id());
        for (long long c = part.begin; c < part.end; c += kChunk) {
          ComputeChunk(array_.data(), c, std::min(part.end, c + kChunk));
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
  Progress progress_ = Progress::kTest;
  std::int64_t test_interval_ = 1;
  std::int64_t sweeps_ = 0;
  Range mine_{0, 0};
  AlignedBuffer<double> array_, snapshot_;
  std::unique_ptr<CheckpointFile> file_;
  std::string hints_;
  long long wrong_ = 0;
  std::uint64_t checksum_ = 0;
};

double Min(const std::vector<double>& values) {
  return *std::min_element(values.begin(), values.end());
}

// Pairs runs: remembers each blocking run's compute and I/O time, and gives each
// nonblocking run with a matching blocking run before it its overlap figures.
class OverlapDeriver final : public ResultDeriver {
 public:
  DerivedFigures Derive(const FinishedRunView& run) override {
    DerivedFigures figures;
    if (!run.ok || run.samples.repetitions() == 0) return figures;
    // Host noise only ever adds time, so the inputs are minima over repetitions: medians of
    // separate runs can differ by more than the I/O time being hidden.
    const std::vector<double> totals = run.samples.SlowestPerRepetition(0);
    const std::vector<double> computes =
        run.samples.SlowestPerRepetition(1 + static_cast<int>(Phase::kCompute));
    std::vector<double> others(totals.size());
    for (std::size_t i = 0; i < totals.size(); ++i) others[i] = std::max(0.0, totals[i] - computes[i]);
    const double io = Min(others);
    figures.results.push_back({"io_time", io, "s",
                               "minimum over repetitions of the slowest rank's time not spent "
                               "computing (I/O, posting, tests, waits)"});
    const IoMode mode = run.params.Choice("mode", kIoModeNames);
    if (mode == IoMode::kBlocking) {
      blocking_[Key(run)] = {Min(computes), io};
    } else if (ModeInfo(mode).nonblocking) {
      AddOverlap(run, Min(totals), figures);
    }
    return figures;
  }

 private:
  struct Baseline {
    double compute_s, io_s;
  };

  // The blocking run a nonblocking one is compared with: same model, shape and parameters
  // but for how the write is issued and progressed.
  static std::string Key(const FinishedRunView& run) {
    return run.model + " " + std::to_string(run.shape.ranks) + "x" +
           std::to_string(run.shape.threads) + " " + std::to_string(run.params.size()) + " " +
           run.params.Text([](const std::string& name, const ParamValue&) {
             return name != "mode" && name != "progress" && name != "test_interval";
           });
  }

  void AddOverlap(const FinishedRunView& run, double total_s, DerivedFigures& figures) const {
    const auto baseline = blocking_.find(Key(run));
    if (baseline == blocking_.end()) {
      figures.notes["overlap"] = "no blocking run of the same shape and parameters before this one";
      return;
    }
    const Overlap o = ComputeOverlap(baseline->second.compute_s, baseline->second.io_s, total_s);
    const std::string inputs = " Inputs are minima over repetitions of the slowest rank: "
                               "blocking run's compute and other time, this run's total.";
    figures.results.push_back({"overlap_hidden", o.hidden_s, "s",
                               "blocking compute + blocking I/O - this run's time: time "
                               "overlapped." + inputs});
    figures.results.push_back({"overlap_vs_smaller", o.vs_smaller, "1",
                               "hidden / min(compute, I/O) of the blocking run: share of the "
                               "shorter activity hidden (1 = fully hidden)." + inputs});
    figures.results.push_back({"overlap_vs_larger", o.vs_larger, "1",
                               "hidden / max(compute, I/O) of the blocking run: 1 only when "
                               "both are equal and fully overlapped." + inputs});
  }

  std::map<std::string, Baseline> blocking_;
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
                 {"progress", ParamType::kString, std::string("test"),
                  "nonblocking progress: none | test (MPI_Test between compute chunks) | thread "
                  "(a thread posts, waits for and syncs the write while the others compute)",
                  kProgressNames.All()},
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
      .memory_per_rank = [](const KernelParams& p, int ranks) {  // array, snapshot, read-back
        return 3.0 * 8 * static_cast<double>(p.size()) / ranks;
      },
      .bound = Bound::kIo,
      .check = Check,
      .preflight = Preflight,
      .probe = [](MPI_Comm comm, const KernelParams& p) {
        return ProbeNonblockingIo(comm, p.String("dir"));
      },
      .make_deriver = [] { return std::make_unique<OverlapDeriver>(); },
      .test_size = 5000};
}

}  // namespace

PARLAB_REGISTER_KERNEL(IoKernelInfo);

}  // namespace parlab
