// Agreement between the ranks of a communicator: a failure on one rank becomes the same
// exception on every rank, so none is left waiting in a later collective.
#pragma once

#include <mpi.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace parlab {

// An error every rank of a communicator has agreed on: safe to end without MPI_Abort.
class CollectiveError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Collective: root's string on every rank.
std::string BroadcastString(MPI_Comm comm, std::string text, int root = 0);

// Collective: the first (lowest-rank) non-empty message of comm, or "" when all are empty.
std::string FirstMessage(MPI_Comm comm, const std::string& local);

// Collective: when any rank passes a non-empty error, every rank throws
// CollectiveError with the lowest such rank's message.
void AgreeOrThrow(MPI_Comm comm, const std::string& local_error);

// Collective: for each rank of comm, the lowest rank sharing its node's memory, so two
// ranks are on the same node exactly when their entries are equal.
std::vector<int> NodeLeaders(MPI_Comm comm);

}  // namespace parlab
