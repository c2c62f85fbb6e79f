// What the MPI-IO backends share: opening (creating, truncating) the file with its hints,
// syncing, reading this rank's part back, the hints in effect, and error texts.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>

#include "core/mpi_util.h"
#include "io/backend.h"

namespace parlab {

// MPI-IO counts are ints: large parts are written in pieces of at most 1 GiB.
inline constexpr std::uint64_t kMaxPiece = 1ULL << 30;

// "<call> on <path>[: <MPI error string>]".
std::string MpiIoError(const std::string& call, const std::string& path,
                       int code = MPI_SUCCESS);

class MpiIoFile {
 public:
  // Collective over target.comm; *error gets this rank's failure, if any.
  MpiIoFile(const BackendTarget& target, std::string* error);
  MPI_File get() const { return file_.get(); }
  const BackendTarget& target() const { return target_; }
  std::string Sync();
  std::string ReadBack(void* buffer);
  std::string HintsInEffect() const;
  // Checks a write's status: "" when `count` bytes were written.
  std::string CheckWritten(const char* call, int code, const MPI_Status& status, int count) const;
  // This rank's bytes with MPI_File_write_at_all (in pieces: every rank makes the same
  // number of calls, agreed at open) or MPI_File_write_at. Neither makes a collective call
  // on target.comm, so a helper thread may call them while the rank computes.
  std::string WriteAtAll(const void* data);
  std::string WriteAt(const void* data);

 private:
  BackendTarget target_;
  FileHandle file_;
  std::uint64_t most_pieces_ = 1;  // the most pieces any rank of target.comm writes
};

// A backend writing through an MpiIoFile: this rank's bytes with MPI_File_write_at_all
// (collective) or MPI_File_write_at. The blocking modes are this; the nonblocking ones
// (nonblocking.h) add posting the same call's nonblocking form.
class MpiIoBackend : public IoBackend {
 public:
  MpiIoBackend(std::unique_ptr<MpiIoFile> file, bool collective)
      : file_(std::move(file)), collective_(collective) {}

  std::string Write(const void* data) override {
    return collective_ ? file_->WriteAtAll(data) : file_->WriteAt(data);
  }
  std::string Sync() override { return file_->Sync(); }
  std::string ReadBack(void* buffer) override { return file_->ReadBack(buffer); }
  std::string HintsInEffect() const override { return file_->HintsInEffect(); }

 protected:
  std::unique_ptr<MpiIoFile> file_;
  bool collective_;
};

}  // namespace parlab
