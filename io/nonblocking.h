// What the two nonblocking MPI-IO backends share (backend_nonblocking.cc: iwrite_at_all,
// backend_nonblocking_independent.cc: iwrite_at): one posted request at a time, tested or
// waited for; the blocking form of the same call (MpiIoBackend::Write) is what a helper
// thread uses.
#pragma once

#include <memory>
#include <string>

#include "io/mpiio.h"

namespace parlab {

class NonblockingMpiIoBackend final : public MpiIoBackend {
 public:
  using MpiIoBackend::MpiIoBackend;
  ~NonblockingMpiIoBackend() override;

  std::string Post(const void* data) override;  // iwrite_at_all / iwrite_at
  std::string Test(bool* done) override;
  std::string Wait() override;

 private:
  std::string Completed(const MPI_Status& status);  // checks the byte count
  const char* call() const { return collective_ ? "MPI_File_iwrite_at_all" : "MPI_File_iwrite_at"; }

  MPI_Request request_ = MPI_REQUEST_NULL;
  bool posted_ = false;  // a write was posted and its completion not yet checked
};

}  // namespace parlab
