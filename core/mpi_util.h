// Small MPI helpers shared by the engine and the reporters.
#pragma once

#include <mpi.h>

#include <string>
#include <vector>

#include "core/collective.h"

namespace parlab {


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


// Collective: every rank's string, in rank order, on every rank.
std::vector<std::string> AllGatherStrings(MPI_Comm comm, const std::string& mine);

// A barrier that sleeps between polls, so ranks that sit out a shape leave their core to
// the threads that are working (OpenMPI's blocking barrier busy-polls).
void IdleBarrier(MPI_Comm comm);

std::string ThreadLevelName(int level);

}  // namespace parlab
