// What the two nonblocking MPI-IO backends share (backend_nonblocking.cc: iwrite_at_all,
// backend_nonblocking_independent.cc: iwrite_at): one posted request at a time, tested or
// waited for, and the blocking form of the same call for a helper thread to use.
#pragma once

#include <memory>
#include <string>

#include "io/mpiio.h"

namespace parlab {

class NonblockingMpiIoBackend final : public IoBackend {
 public:
  NonblockingMpiIoBackend(std::unique_ptr<MpiIoFile> file, bool collective)
      : file_(std::move(file)), collective_(collective) {}
  ~NonblockingMpiIoBackend() override;

  std::string Write(const void* data) override;  // write_at_all / write_at
  std::string Post(const void* data) override;   // iwrite_at_all / iwrite_at
  std::string Test(bool* done) override;
  std::string Wait() override;
  std::string Sync() override { return file_->Sync(); }
  std::string ReadBack(void* buffer) override { return file_->ReadBack(buffer); }
  std::string HintsInEffect() const override { return file_->HintsInEffect(); }

 private:
  std::string Completed(const MPI_Status& status);  // checks the byte count
  const char* call() const { return collective_ ? "MPI_File_iwrite_at_all" : "MPI_File_iwrite_at"; }

  std::unique_ptr<MpiIoFile> file_;
  bool collective_;
  MPI_Request request_ = MPI_REQUEST_NULL;
  bool posted_ = false;  // a write was posted and its completion not yet checked
};

}  // namespace parlab
