// The report's path: its directory prepared and checked before any work, and a lock so
// two jobs never write the same report.
#pragma once

#include <mpi.h>

#include <string>

namespace parlab {

// Creates the output's directory if needed and checks it can take the report; collective,
// throws the same one-line error on every rank.
void PrepareOutputPath(MPI_Comm world, const std::string& output);

// "<output>.lock", created exclusively by rank 0 for as long as the object lives, so two
// parlab jobs never write the same report: the second fails with a clear error. A lock
// left by a process that no longer runs on this host is taken over. Collective.
class OutputLock {
 public:
  OutputLock(MPI_Comm world, const std::string& output);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::string path_;
  bool owner_ = false;
};

}  // namespace parlab
