// Point-to-point cost: rank 0 ping-pongs `size`-byte messages with every other rank in
// turn, and reports the half round trip and bandwidth to a partner on its own node and to
// one on another node, so the cost of leaving the node is a measured number.
#include "core/collective.h"
#include "core/kernel.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace parlab {
namespace {

constexpr long long kMaxMessage = 1LL << 30;

std::string Check(const KernelParams& params, const CheckContext& context) {
  if (context.shape.ranks < 2) return "pingpong needs 2 or more ranks (it measures rank 0 with each other rank)";
  if (params.size() > kMaxMessage)
    return "pingpong messages are at most 1 GiB (1073741824 bytes), got size = " +
           std::to_string(params.size());
  return "";
}

class PingPongKernel final : public Kernel {
 public:
  void Setup(const KernelParams& params, RunContext& ctx) override {
    ctx_ = &ctx;
    bytes_ = params.size();
    rounds_ = params.Int("rounds");
    leaders_ = NodeLeaders(ctx.comm);  // which rank lives on which node
    out_.assign(static_cast<std::size_t>(bytes_), 0);
    in_.assign(static_cast<std::size_t>(bytes_), 0);
    for (std::size_t i = 0; i < out_.size(); ++i) out_[i] = static_cast<char>(i * 31 + ctx.rank);
  }

  void Run(PhaseTimer& timer) override {
    auto scope = timer.Measure(Phase::kComm);
    const int count = static_cast<int>(bytes_);
    half_rtt_.assign(ctx_->ranks, NAN);
    wrong_ = 0;
    for (int partner = 1; partner < ctx_->ranks; ++partner) {
      if (ctx_->rank != 0 && ctx_->rank != partner) continue;
      const double start = MPI_Wtime();
      for (std::int64_t r = 0; r < rounds_; ++r) {
        if (ctx_->rank == 0) {
          MPI_Send(out_.data(), count, MPI_BYTE, partner, 0, ctx_->comm);
          MPI_Recv(in_.data(), count, MPI_BYTE, partner, 0, ctx_->comm, MPI_STATUS_IGNORE);
        } else {
          MPI_Recv(in_.data(), count, MPI_BYTE, 0, 0, ctx_->comm, MPI_STATUS_IGNORE);
          MPI_Send(in_.data(), count, MPI_BYTE, 0, 0, ctx_->comm);  // echo what came
        }
      }
      if (ctx_->rank == 0) {
        half_rtt_[partner] = (MPI_Wtime() - start) / (2.0 * static_cast<double>(rounds_));
        wrong_ += std::memcmp(in_.data(), out_.data(), out_.size()) != 0;
      }
    }
  }

  Verification Verify() override {
    long long wrong = wrong_;
    MPI_Bcast(&wrong, 1, MPI_LONG_LONG, 0, ctx_->comm);
    return {wrong == 0, wrong == 0 ? "every echo matched what was sent"
                                   : std::to_string(wrong) + " partner(s) echoed wrong bytes"};
  }

  Work work() const override {
    return {2.0 * static_cast<double>(bytes_) * static_cast<double>(rounds_) * (ctx_->ranks - 1),
            "byte", "GB/s", 1e9, 0, 0};  // network bytes, not memory traffic
  }

  std::vector<KernelResult> Results() const override {
    double intra = NAN, inter = NAN;  // fastest partner of each kind, as seen by rank 0
    if (ctx_->rank == 0) {
      for (int p = 1; p < ctx_->ranks; ++p) {
        double& slot = leaders_[p] == leaders_[0] ? intra : inter;
        if (std::isnan(slot) || half_rtt_[p] < slot) slot = half_rtt_[p];
      }
    }
    double both[2] = {intra, inter};
    MPI_Bcast(both, 2, MPI_DOUBLE, 0, ctx_->comm);
    const double b = static_cast<double>(bytes_);
    return {{"latency_intra", both[0], "s", "half round trip to a rank on rank 0's node (NaN: none)"},
            {"latency_inter", both[1], "s", "half round trip to a rank on another node (NaN: none)"},
            {"bandwidth_intra", b / both[0], "byte/s", "message size / intra-node half round trip"},
            {"bandwidth_inter", b / both[1], "byte/s", "message size / inter-node half round trip"}};
  }

 private:
  RunContext* ctx_ = nullptr;
  long long bytes_ = 8;
  std::int64_t rounds_ = 100;
  std::vector<int> leaders_;
  std::vector<char> out_, in_;
  std::vector<double> half_rtt_;
  long long wrong_ = 0;
};

KernelInfo PingPongKernelInfo() {
  return {.name = "pingpong",
          .doc = "point-to-point latency and bandwidth, same node vs other node (rank 0 with "
                 "every rank)",
          .size_doc = "message size in bytes (at most 1 GiB)",
          .params = {{"rounds", ParamType::kInt, std::int64_t{100}, "round trips per partner", {}, 1}},
          .make = [] { return std::make_unique<PingPongKernel>(); },
          .memory_per_rank = [](const KernelParams& p, int) { return 2.0 * static_cast<double>(p.size()); },
          .bound = Bound::kCommunication,
          .check = Check,
          .test_size = 8};
}

}  // namespace

PARLAB_REGISTER_KERNEL(PingPongKernelInfo);

}  // namespace parlab
