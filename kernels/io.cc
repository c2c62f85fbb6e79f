#include "kernels/io.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <memory>
#include <thread>

#include "core/aligned_buffer.h"
#include "io/checkpoint.h"
#include "core/collective.h"

namespace parlab {
namespace {

constexpr long long kChunk = 1 << 14;  // elements between progress checks

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

class IoKernel final : public Kernel {
 public:
  void Setup(const KernelParams& params, RunContext& ctx) override {
    ctx_ = &ctx;
    global_ = params.size();
    options_.mode = params.String("mode");
    options_.layout = params.String("layout");
    options_.dir = params.String("dir");
    options_.sync = params.Bool("sync");
    options_.keep_files = params.Bool("keep_files");
    options_.hints = ParseHints(params.String("hints"));
    progress_ = params.String("progress");
    test_interval_ = params.Int("test_interval");
    sweeps_ = params.Int("compute_sweeps");
    if (ctx.team.event_loop() && (options_.mode != "nonblocking" || progress_ == "thread"))
      throw std::invalid_argument(
          "the async model runs one thread that polls its pending I/O: use mode = "
          "\"nonblocking\" with progress = \"test\" or \"none\"");
    if (options_.mode == "nonblocking" && progress_ == "thread") {
      int level = MPI_THREAD_SINGLE;
      MPI_Query_thread(&level);
      if (level < MPI_THREAD_MULTIPLE)
        throw std::invalid_argument("progress = \"thread\" needs MPI_THREAD_MULTIPLE, which "
                                    "this MPI library did not grant");
    }
    mine_ = Partition(global_, ctx.ranks, ctx.rank);
    const auto n = static_cast<std::size_t>(mine_.size());
    array_ = AlignedBuffer<double>(n);
    snapshot_ = AlignedBuffer<double>(options_.mode == "nonblocking" ? n : 0);
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
    if (options_.mode != "nonblocking") {
      Compute(timer, nullptr);
      const double start = NowSeconds();
      file_->Write(array_.data());
      if (options_.sync) file_->Sync();
      SplitIdle(timer, Phase::kIo, NowSeconds() - start);
      return;
    }
    double start = NowSeconds();
    std::memcpy(snapshot_.data(), array_.data(), array_.size() * sizeof(double));
    if (progress_ == "thread") {
      // The progress thread drives the whole write: post, wait and sync happen on it
      // (Open MPI's OMPIO does most of a collective write inside the post call itself).
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
      SplitIdle(timer, Phase::kWait, NowSeconds() - start);
      if (error) std::rethrow_exception(error);
      return;
    }
    file_->Post(snapshot_.data());
    SplitIdle(timer, Phase::kPost, NowSeconds() - start);
    if (progress_ == "test") {
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
    const double* expected = options_.mode == "nonblocking" ? snapshot_.data() : array_.data();
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

  Work work() const override { return {Bytes(), "byte", "GB/s", 1e9}; }

  std::vector<KernelResult> Results() const override {
    return {{"bytes", Bytes(), "byte", "bytes written per repetition, all ranks"},
            {"mismatched_bytes", static_cast<double>(wrong_), "byte",
             "bytes read back that differ from those written (must be 0)"},
            {"checksum", static_cast<double>(checksum_ >> 11), "1",
             "XOR over ranks of the FNV-1a hash of the bytes read back, top 53 bits"}};
  }

  std::map<std::string, std::string> Notes() const override {
    return {{"hints_in_effect", hints_},
            {"progress_used", options_.mode == "nonblocking" ? progress_ : "n/a (blocking)"},
            {"scratch_file", file_ ? file_->path() : ""}};
  }

 private:
  double Bytes() const { return static_cast<double>(global_) * sizeof(double); }

  // Time in the collective agreement after an I/O call is waiting for other ranks: idle.
  void SplitIdle(PhaseTimer& timer, Phase phase, double seconds) {
    const double idle = file_->TakeAgreeSeconds();
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
  std::string progress_;
  std::int64_t test_interval_ = 1;
  std::int64_t sweeps_ = 0;
  Range mine_{0, 0};
  AlignedBuffer<double> array_, snapshot_;
  std::unique_ptr<CheckpointFile> file_;
  std::string hints_;
  long long wrong_ = 0;
  std::uint64_t checksum_ = 0;
};

}  // namespace

KernelInfo IoKernelInfo() {
  return {"io",
          "checkpoint of a distributed array through MPI-IO / parallel HDF5, overlapped or not",
          "global array length in doubles (split over ranks); bytes = 8 x size",
          {{"mode", ParamType::kString, std::string("blocking"),
            "blocking (write_at_all) | nonblocking (iwrite_at_all during compute) | "
            "independent (write_at) | hdf5 (collective H5Dwrite)",
            {"blocking", "nonblocking", "independent", "hdf5"}},
           {"layout", ParamType::kString, std::string("shared-file"),
            "shared-file | file-per-rank", {"shared-file", "file-per-rank"}},
           {"progress", ParamType::kString, std::string("test"),
            "nonblocking progress: none | test (MPI_Test between compute chunks) | thread "
            "(a thread posts, waits for and syncs the write while the others compute)",
            {"none", "test", "thread"}},
           {"test_interval", ParamType::kInt, std::int64_t{1},
            "compute chunks (16 Ki elements) between MPI_Test calls", {}, 1},
           {"compute_sweeps", ParamType::kInt, std::int64_t{4},
            "compute passes over the array per repetition (64 flop per element each)", {}, 0},
           {"dir", ParamType::kString, std::string("/tmp"), "directory for the scratch files"},
           {"sync", ParamType::kBool, false, "MPI_File_sync after each write, inside the timing"},
           {"keep_files", ParamType::kBool, false, "keep the scratch files afterwards"},
           {"hints", ParamType::kString, std::string(""),
            "MPI_Info hints, \"key=value;key=value\" (e.g. cb_nodes=1;romio_cb_write=enable)"}},
          [] { return std::make_unique<IoKernel>(); },
          /*has_event_loop=*/true,
          [](const KernelParams& p, int ranks) {  // array, snapshot, read-back buffer
            return 3.0 * 8 * static_cast<double>(p.size()) / ranks;
          }};
}

}  // namespace parlab
