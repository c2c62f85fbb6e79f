// What the MPI-IO backends share: opening (creating, truncating) the file with its hints,
// syncing, reading this rank's part back, the hints in effect, and error texts.
#pragma once

#include <mpi.h>

#include <cstdint>
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

}  // namespace parlab
