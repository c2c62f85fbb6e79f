// The per-run watchdog (timeout_s, on_timeout in the config).
//
// Each run is measured on a thread of its own while the rank's main thread watches the
// clock. Past the run's deadline the run is asked to stop: every rank learns it through the
// reduction that ends each repetition, so all stop after the same repetition, and the run
// ends as "timeout" with the repetitions it completed. A run that does not come back within
// the grace period after that — a hung kernel, a rank stuck in a wait that will never
// complete — is abandoned: the main threads agree on it, record it as "timeout" with the
// repetitions every rank completed, and the experiment goes on with fresh communicators.
// The abandoned thread cannot be stopped safely; it is left behind, later runs carry a
// warning, and the process ends without MPI_Finalize (which may crash under a thread
// blocked inside MPI).
//
// Needs MPI_THREAD_MULTIPLE (the main thread and the run's thread both call MPI). With
// less, runs are measured on the main thread and only the stop at a repetition boundary
// is available; a hung run then hangs the job until mpirun or SLURM ends it.
#pragma once

#include <mpi.h>

#include <string>
#include <vector>

#include "harness/environment.h"
#include "harness/outcome.h"
#include "harness/run_control.h"
#include "harness/run_spec.h"

namespace parlab {

// How a run is measured (harness/measure.h's MeasureRun): the watchdog wraps it.
using MeasureFunction = RunOutcome (*)(const RunSpec& spec, MPI_Comm comm,
                                       const Environment& env, std::vector<double>& local_rows,
                                       RunControl* control);

// Seconds a run may take beyond its deadline to reach a repetition boundary.
double GraceSeconds(double timeout_s);

// Measures one run with `measure` under its watchdog (collective over comm).
RunOutcome MeasureWatched(const RunSpec& spec, MPI_Comm comm, const Environment& env,
                          std::vector<double>& local_rows, MeasureFunction measure);

// Collective over world: a warning naming the first rank that still has a thread of an
// abandoned run, "" when none has.
std::string LeftBehindWarning(MPI_Comm world);

// Collective over world: whether any rank left a run's thread behind. Such a process must
// end without MPI_Finalize.
bool RunThreadsLeftBehind(MPI_Comm world);

}  // namespace parlab
