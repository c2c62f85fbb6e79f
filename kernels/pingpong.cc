// Point-to-point cost: rank 0 ping-pongs `size`-byte messages with every other rank in
// turn, and reports the half round trip and bandwidth to a partner on its own node and to
// one on another node, so the cost of leaving the node is a measured number. With
// `threads_talk`, each of the T threads of rank 0 ping-pongs with the same thread of the
// partner at once, on a communicator of its own (as osu_latency_mt and IMB-MT do): the
// per-thread latency and the aggregate bandwidth of T pairs, under MPI_THREAD_MULTIPLE.
// Thread pairs use MPI_Isend / MPI_Irecv completed by polling, also with one thread, so
// that T = 1 and T > 1 are measured the same way.
#include "core/collective.h"
#include "core/kernel.h"
#include "core/mpi_transport.h"
#include "core/mpi_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace parlab {
namespace {

constexpr long long kMaxMessage = 1LL << 30;
constexpr int kSpinsBeforeYield = 20000;  // polls (about a millisecond) before a waiting thread yields

std::string Check(const KernelParams& params, const CheckContext& context) {
  if (context.shape.ranks < 2) return "pingpong needs 2 or more ranks (it measures rank 0 with each other rank)";
  if (params.size() > kMaxMessage)
    return "pingpong messages are at most 1 GiB (1073741824 bytes), got size = " +
           std::to_string(params.size());
  if (params.Bool("threads_talk") && context.shape.threads > 1 &&
      context.thread_level < MPI_THREAD_MULTIPLE)
    return "pingpong threads_talk = true calls MPI from " + std::to_string(context.shape.threads) +
           " threads at once: it needs MPI_THREAD_MULTIPLE, the MPI library granted " +
           ThreadLevelName(context.thread_level);
  return "";
}

// One thread's side of the exchanges: its buffers and its communicator.
struct Pair {
  CommHandle comm;
  std::vector<char> out, in;
  double elapsed = 0;  // of the last partner's rounds
  long long wrong = 0;
};

class PingPongKernel final : public Kernel {
 public:
  void Setup(const KernelParams& params, RunContext& ctx) override {
    ctx_ = &ctx;
    bytes_ = params.size();
    rounds_ = params.Int("rounds");
    threads_talk_ = params.Bool("threads_talk");
    leaders_ = NodeLeaders(ctx.comm);  // which rank lives on which node
    pairs_.resize(static_cast<std::size_t>(threads_talk_ ? ctx.team.size() : 1));
    for (std::size_t t = 0; t < pairs_.size(); ++t) {
      Pair& pair = pairs_[t];
      MPI_Comm_dup(ctx.comm, pair.comm.out());
      pair.out.assign(static_cast<std::size_t>(bytes_), 0);
      pair.in.assign(static_cast<std::size_t>(bytes_), 0);
      for (std::size_t i = 0; i < pair.out.size(); ++i)
        pair.out[i] = static_cast<char>(i * 31 + static_cast<std::size_t>(ctx.rank) + 7 * t);
    }
  }

  void Run(PhaseTimer& timer) override {
    auto scope = timer.Measure(Phase::kComm);
    const auto threads = pairs_.size();
    half_rtt_.assign(static_cast<std::size_t>(ctx_->ranks), NAN);
    slowest_.assign(static_cast<std::size_t>(ctx_->ranks), NAN);
    for (Pair& pair : pairs_) pair.wrong = 0;
    for (int partner = 1; partner < ctx_->ranks; ++partner) {
      if (ctx_->rank != 0 && ctx_->rank != partner) continue;
      if (threads_talk_) {
        ctx_->team.Run([&](Worker& worker) {
          worker.Blocking([&] { Rounds(pairs_[static_cast<std::size_t>(worker.id())], partner); });
        });
      } else {
        Rounds(pairs_[0], partner);
      }
      if (ctx_->rank != 0) continue;
      double sum = 0, most = 0;
      for (const Pair& pair : pairs_) {
        sum += pair.elapsed;
        most = std::max(most, pair.elapsed);
      }
      const double per_round = 2.0 * static_cast<double>(rounds_);
      half_rtt_[static_cast<std::size_t>(partner)] = sum / static_cast<double>(threads) / per_round;
      slowest_[static_cast<std::size_t>(partner)] = most / per_round;
    }
  }

  Verification Verify() override {
    long long wrong = 0;
    for (const Pair& pair : pairs_) wrong += pair.wrong;
    MPI_Bcast(&wrong, 1, MPI_LONG_LONG, 0, ctx_->comm);
    return {wrong == 0, wrong == 0 ? "every echo matched what was sent"
                                   : std::to_string(wrong) + " exchange(s) echoed wrong bytes"};
  }

  Work work() const override {
    return {2.0 * static_cast<double>(bytes_) * static_cast<double>(rounds_) * (ctx_->ranks - 1) *
                static_cast<double>(pairs_.size()),
            "byte", "GB/s", 1e9, 0, 0};  // network bytes, not memory traffic
  }

  std::vector<KernelResult> Results() const override;

 private:
  // `rounds_` round trips of one thread pair with `partner` (rank 0 sends first). Alone,
  // with MPI_Send / MPI_Recv; thread pairs poll nonblocking calls (WaitAllPolling says why).
  void Rounds(Pair& pair, int partner) {
    const int count = static_cast<int>(bytes_);
    const int peer = ctx_->rank == 0 ? partner : 0;
    MPI_Comm comm = pair.comm.get();
    const auto send = [&](const char* data) {
      if (!threads_talk_) return void(MPI_Send(data, count, MPI_BYTE, peer, 0, comm));
      MPI_Request request = MPI_REQUEST_NULL;
      MPI_Isend(data, count, MPI_BYTE, peer, 0, comm, &request);
      WaitAllPolling(1, &request, kSpinsBeforeYield);
    };
    const auto receive = [&] {
      if (!threads_talk_) return void(MPI_Recv(pair.in.data(), count, MPI_BYTE, peer, 0, comm, MPI_STATUS_IGNORE));
      MPI_Request request = MPI_REQUEST_NULL;
      MPI_Irecv(pair.in.data(), count, MPI_BYTE, peer, 0, comm, &request);
      WaitAllPolling(1, &request, kSpinsBeforeYield);
    };
    const double start = MPI_Wtime();
    for (std::int64_t r = 0; r < rounds_; ++r) {
      if (ctx_->rank == 0) {
        send(pair.out.data());
        receive();
      } else {
        receive();
        send(pair.in.data());  // echo what came
      }
    }
    pair.elapsed = MPI_Wtime() - start;
    if (ctx_->rank == 0) pair.wrong += std::memcmp(pair.in.data(), pair.out.data(), pair.out.size()) != 0;
  }

  RunContext* ctx_ = nullptr;
  long long bytes_ = 8;
  std::int64_t rounds_ = 100;
  bool threads_talk_ = false;
  std::vector<int> leaders_;
  std::vector<Pair> pairs_;
  std::vector<double> half_rtt_, slowest_;  // per partner: mean and slowest thread
};

std::vector<KernelResult> PingPongKernel::Results() const {
  // Fastest partner of each kind, as seen by rank 0: [0] intra, [1] inter; mean and slowest.
  double mean[2] = {NAN, NAN}, slowest[2] = {NAN, NAN};
  if (ctx_->rank == 0) {
    for (int p = 1; p < ctx_->ranks; ++p) {
      const int kind = leaders_[static_cast<std::size_t>(p)] == leaders_[0] ? 0 : 1;
      const auto at = static_cast<std::size_t>(p);
      if (std::isnan(mean[kind]) || half_rtt_[at] < mean[kind]) {
        mean[kind] = half_rtt_[at];
        slowest[kind] = slowest_[at];
      }
    }
  }
  double all[4] = {mean[0], mean[1], slowest[0], slowest[1]};
  MPI_Bcast(all, 4, MPI_DOUBLE, 0, ctx_->comm);
  const double b = static_cast<double>(bytes_);
  const double t = static_cast<double>(pairs_.size());
  return {{"latency_intra", all[0], "s",
           "half round trip to a rank on rank 0's node, mean over the talking threads (NaN: none)"},
          {"latency_inter", all[1], "s",
           "half round trip to a rank on another node, mean over the talking threads (NaN: none)"},
          {"bandwidth_intra", b / all[0], "byte/s", "message size / intra-node half round trip (one pair)"},
          {"bandwidth_inter", b / all[1], "byte/s", "message size / inter-node half round trip (one pair)"},
          {"aggregate_bandwidth_intra", t * b / all[2], "byte/s",
           "talking threads x message size / the slowest pair's intra-node half round trip"},
          {"aggregate_bandwidth_inter", t * b / all[3], "byte/s",
           "talking threads x message size / the slowest pair's inter-node half round trip"},
          {"talking_threads", t, "1", "thread pairs exchanging at once (1 unless threads_talk)"}};
}

KernelInfo PingPongKernelInfo() {
  return {.name = "pingpong",
          .doc = "point-to-point latency and bandwidth, same node vs other node (rank 0 with "
                 "every rank)",
          .size_doc = "message size in bytes (at most 1 GiB)",
          .params = {{"rounds", ParamType::kInt, std::int64_t{100}, "round trips per partner", {}, 1},
                     {"threads_talk", ParamType::kBool, false,
                      "every thread of rank 0 ping-pongs with the same thread of the partner at "
                      "once, each pair on its own communicator (MPI_THREAD_MULTIPLE)"}},
          .make = [] { return std::make_unique<PingPongKernel>(); },
          .memory_per_rank = [](const KernelParams& p, int) { return 2.0 * static_cast<double>(p.size()); },
          .bound = Bound::kCommunication,
          .check = Check,
          .probe = [](MPI_Comm, const KernelParams&) { return TransportSettings(); },
          .test_size = 8,
          .test_params = {{"threads_talk", true}, {"rounds", std::int64_t{20}}}};
}

}  // namespace

PARLAB_REGISTER_KERNEL(PingPongKernelInfo);

}  // namespace parlab
