// Small MPI helpers shared by the engine and the reporters.
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

// Owns a communicator created by MPI_Comm_split & co; frees it on scope exit.
class CommHandle {
 public:
  CommHandle() = default;
  explicit CommHandle(MPI_Comm comm) : comm_(comm) {}
  ~CommHandle() { Free(); }
  CommHandle(CommHandle&& other) noexcept : comm_(other.comm_) { other.comm_ = MPI_COMM_NULL; }
  CommHandle& operator=(CommHandle&& other) noexcept {
    if (this != &other) {
      Free();
      comm_ = other.comm_;
      other.comm_ = MPI_COMM_NULL;
    }
    return *this;
  }
  MPI_Comm get() const { return comm_; }
  bool valid() const { return comm_ != MPI_COMM_NULL; }

 private:
  void Free() {
    if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
  }
  MPI_Comm comm_ = MPI_COMM_NULL;
};

int Rank(MPI_Comm comm);
int Size(MPI_Comm comm);

// Collective: the first (lowest-rank) non-empty message of comm, or "" when all are empty.
std::string FirstMessage(MPI_Comm comm, const std::string& local);

// Collective: when any rank passes a non-empty error, every rank throws
// CollectiveError with the lowest such rank's message, so a failure on one rank
// never leaves the others waiting in a later collective.
void AgreeOrThrow(MPI_Comm comm, const std::string& local_error);

// Collective: root's string on every rank.
std::string BroadcastString(MPI_Comm comm, std::string text, int root = 0);

// Collective: every rank's string, in rank order, on every rank.
std::vector<std::string> AllGatherStrings(MPI_Comm comm, const std::string& mine);

// A barrier that sleeps between polls, so ranks that sit out a shape leave their core to
// the threads that are working (OpenMPI's blocking barrier busy-polls).
void IdleBarrier(MPI_Comm comm);

std::string ThreadLevelName(int level);

}  // namespace parlab
