// MPI point-to-point ceilings: latency and bandwidth between world rank 0 and a rank on
// its node, and a rank on another node when the job spans nodes.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <vector>

#include "machine/ceilings.h"

namespace parlab {

struct MpiProbeSettings {
  int trials = 5;
  int latency_rounds = 1000;                // round trips of 8 bytes per trial
  int bandwidth_rounds = 10;                // round trips of bandwidth_bytes per trial
  std::size_t bandwidth_bytes = 4u << 20;
};

// Collective over world; `leaders` is NodeLeaders(world). Ranks not measured wait
// sleeping. The result is meant for rank 0 (the others get the same entries, unmeasured).
std::vector<MpiCeilings> MeasureMpi(MPI_Comm world, const std::vector<int>& leaders,
                                    const MpiProbeSettings& settings);

}  // namespace parlab
