// What an experiment names on this machine, checked on every rank before any work: the
// directories its kernels and I/O stages write to. `run` and `validate` both refuse a
// config that fails, with one line naming the run.
#pragma once

#include <mpi.h>

#include "harness/run_spec.h"
#include "machine/topology.h"

namespace parlab {

// Collective: throws the same ConfigError on every rank for the first failing run.
void Preflight(MPI_Comm world, const Experiment& experiment);

// Collective: plans every bound run's shape on every node it uses (`topology` is this
// rank's node) and throws the same one-line ConfigError on every rank for the first that
// cannot be satisfied, naming the run, the shape, the placement and the topology. Says
// on stderr (rank 0) when the launcher confined the ranks, so plans are made within that.
void CheckPlacements(MPI_Comm world, const Experiment& experiment, const Topology& topology);

}  // namespace parlab
