// Stopping on SIGTERM / SIGINT (SLURM sends SIGTERM before its kill; Ctrl-C; mpirun
// forwards both): the handler only records the signal; the engine checks it at collective
// points, so every rank stops at the same place and the report is finished, not torn.
#pragma once

#include <mpi.h>

#include "core/collective.h"

namespace parlab {

void InstallStopHandlers();

// This process's pending stop signal, 0 when none.
int LocalStopSignal();

// Collective: the highest stop signal any rank of comm received, 0 when none.
int AgreedStopSignal(MPI_Comm comm);

const char* SignalName(int signal);

// Thrown on every rank of a run's communicator when a stop was agreed mid-run.
class Interrupted : public CollectiveError {
 public:
  explicit Interrupted(int signal)
      : CollectiveError(std::string("interrupted by ") + SignalName(signal)), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

}  // namespace parlab
