// Measuring one run on the ranks of its shape: the harness owns the loop (after
// google/benchmark's runner); each step below is a few lines.
#pragma once

#include <mpi.h>

#include <vector>

#include "harness/environment.h"
#include "harness/outcome.h"
#include "harness/run_control.h"
#include "harness/run_spec.h"

namespace parlab {

// Collective over comm. The outcome's samples are complete on comm's rank 0 (empty
// elsewhere); status, message, placement and the kernel's figures are the same on every
// rank. `local_rows` gets this rank's own [repetition][column] samples. With a `control`
// (see watchdog.h) the run stops after the repetition in progress once a stop is requested
// on any rank, and reports where it is and what it measured as it goes.
RunOutcome MeasureRun(const RunSpec& spec, MPI_Comm comm, const Environment& env,
                      std::vector<double>& local_rows, RunControl* control = nullptr);

}  // namespace parlab
