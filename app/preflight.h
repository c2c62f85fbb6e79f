// What an experiment names on this machine, checked on every rank before any work: the
// directories its kernels and I/O stages write to. `run` and `validate` both refuse a
// config that fails, with one line naming the run.
#pragma once

#include <mpi.h>

#include "harness/run_spec.h"

namespace parlab {

// Collective: throws the same ConfigError on every rank for the first failing run.
void Preflight(MPI_Comm world, const Experiment& experiment);

}  // namespace parlab
