#include "machine/mpi_probe.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "core/mpi_util.h"

namespace parlab {
namespace {

// Seconds of one half round trip, averaged over `rounds`, after one warm-up exchange.
double HalfRoundTrip(MPI_Comm world, int me, int partner, std::vector<char>& buffer,
                     int rounds) {
  const int count = static_cast<int>(buffer.size());
  double start = 0;
  for (int r = -1; r < rounds; ++r) {
    if (r == 0) start = MPI_Wtime();
    if (me == 0) {
      MPI_Send(buffer.data(), count, MPI_BYTE, partner, 7, world);
      MPI_Recv(buffer.data(), count, MPI_BYTE, partner, 7, world, MPI_STATUS_IGNORE);
    } else {
      MPI_Recv(buffer.data(), count, MPI_BYTE, 0, 7, world, MPI_STATUS_IGNORE);
      MPI_Send(buffer.data(), count, MPI_BYTE, 0, 7, world);
    }
  }
  return (MPI_Wtime() - start) / (2.0 * rounds);
}

int FindPartner(const std::vector<int>& leaders, MpiLink link) {
  for (std::size_t r = 1; r < leaders.size(); ++r)
    if ((leaders[r] == leaders[0]) == (link == MpiLink::kSameNode)) return static_cast<int>(r);
  return -1;
}

MpiCeilings Measure(MPI_Comm world, int partner, MpiLink link, const MpiProbeSettings& s) {
  MpiCeilings out;
  out.link = link;
  out.partner = partner;
  const std::string latency_method = fmt::format(
      "MPI_Send/MPI_Recv ping-pong of 8 bytes between world ranks 0 and {}: half round trip, "
      "mean of {} round trips, best of {} trials", partner, s.latency_rounds, s.trials);
  const std::string bandwidth_method = fmt::format(
      "MPI_Send/MPI_Recv ping-pong of {} bytes between world ranks 0 and {}: bytes / half "
      "round trip, mean of {} round trips, best of {} trials", s.bandwidth_bytes, partner,
      s.bandwidth_rounds, s.trials);
  const int me = Rank(world);
  std::vector<double> latencies, bandwidths;
  if (me == 0 || me == partner) {
    std::vector<char> small(8, 1), large(s.bandwidth_bytes, 2);
    for (int t = 0; t < s.trials; ++t) {
      latencies.push_back(1e6 * HalfRoundTrip(world, me, partner, small, s.latency_rounds));
      const double half = HalfRoundTrip(world, me, partner, large, s.bandwidth_rounds);
      bandwidths.push_back(static_cast<double>(s.bandwidth_bytes) / half / 1e9);
    }
  }
  IdleBarrier(world);
  if (latencies.empty()) return out;  // not one of the two: only rank 0's view counts
  out.latency = {true, *std::min_element(latencies.begin(), latencies.end()), "us",
                 latency_method, latencies, ""};
  out.bandwidth = {true, *std::max_element(bandwidths.begin(), bandwidths.end()), "GB/s",
                   bandwidth_method, bandwidths, ""};
  return out;
}

}  // namespace

std::vector<MpiCeilings> MeasureMpi(MPI_Comm world, const std::vector<int>& leaders,
                                    const MpiProbeSettings& settings) {
  std::vector<MpiCeilings> out;
  for (MpiLink link : kMpiLinks) {
    const int partner = FindPartner(leaders, link);
    if (partner >= 0) {
      out.push_back(Measure(world, partner, link, settings));
      continue;
    }
    const std::string reason =
        leaders.size() < 2 ? "only one rank was launched: run under 'mpirun -n 2' or more"
        : link == MpiLink::kSameNode
            ? "world rank 0 is the only rank on its node"
            : "every rank is on world rank 0's node: no other node to measure";
    out.push_back({link, -1, Ceiling::Unavailable("us", "MPI ping-pong", reason),
                   Ceiling::Unavailable("GB/s", "MPI ping-pong", reason)});
  }
  return out;
}

}  // namespace parlab
