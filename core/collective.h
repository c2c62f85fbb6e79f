// Agreement between the ranks of a communicator: a failure on one rank becomes the same
// exception on every rank, so none is left waiting in a later collective.
#pragma once

#include <mpi.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

namespace parlab {

// An error every rank of a communicator has agreed on: safe to end without MPI_Abort.
class CollectiveError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown on a run's thread when the ranks have given up on the run (the watchdog found it
// hung): its pending waits must not block for ever on ranks that have moved on.
class RunAbandoned : public CollectiveError {
 public:
  RunAbandoned() : CollectiveError("the run was abandoned by its watchdog") {}
};

// While `abandoned` is set (non-null) for the calling thread, the waits below poll and
// throw RunAbandoned once it becomes true; otherwise they block as MPI_Wait does.
void AbandonWaitsWhen(const std::atomic<bool>* abandoned);

// Whether the calling thread's run has been abandoned: cleanup must then skip collectives
// and waits on the other ranks, which have moved on.
bool RunIsAbandoned();

// Completes a request: MPI_Wait, or the abandonable poll above.
void WaitOrAbandon(MPI_Request& request);

// Collective: MPI_Barrier / an in-place MPI_Allreduce(MPI_MAX), waited for as above.
void BarrierOrAbandon(MPI_Comm comm);
void MaxOrAbandon(MPI_Comm comm, double* values, int count);

// Collective: root's string on every rank.
std::string BroadcastString(MPI_Comm comm, std::string text, int root = 0);

// Collective: the first (lowest-rank) non-empty message of comm, or "" when all are empty.
// Abandonable (see AbandonWaitsWhen).
std::string FirstMessage(MPI_Comm comm, const std::string& local);

// Collective: when any rank passes a non-empty error, every rank throws
// CollectiveError with the lowest such rank's message.
void AgreeOrThrow(MPI_Comm comm, const std::string& local_error);

// Collective: for each rank of comm, the lowest rank sharing its node's memory, so two
// ranks are on the same node exactly when their entries are equal.
std::vector<int> NodeLeaders(MPI_Comm comm);

}  // namespace parlab
