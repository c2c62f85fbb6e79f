// Where a run's threads really run, measured inside its team before the first repetition,
// and the warning when its shape has more threads than its node's cores.
#pragma once

#include <mpi.h>

#include "core/shape.h"
#include "core/team.h"
#include "harness/run_control.h"

namespace parlab {

// How every oversubscription warning begins.
inline constexpr const char* kOversubscribed = "oversubscribed: ";

// Collective over comm: each thread's CPU set and OpenMP place, in [rank][thread] order on
// every rank, and the first rank's oversubscription warning, if any.
RunPlacement ObservePlacement(MPI_Comm comm, Team& team, Shape shape, int cores_online);

}  // namespace parlab
