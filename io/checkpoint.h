// A checkpoint of a rank-distributed array: this rank's bytes written to one shared file
// (each rank at its offset) or to a file of its own, through the backend of the chosen
// mode (backend.h). Files live in a private scratch directory (scratch.h). Every error
// becomes an exception naming the file, and every call that can fail on one rank is
// followed by an agreement, so no rank is left behind in a collective.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>

#include "io/backend.h"
#include "io/progress.h"
#include "io/scratch.h"

namespace parlab {

struct IoOptions {
  IoMode mode = IoMode::kBlocking;
  IoLayout layout = IoLayout::kSharedFile;
  std::string dir = ".";
  bool sync = false;        // MPI_File_sync (H5Fflush) after each write, inside the timing
  bool keep_files = false;  // keep the scratch directory and its files
  IoHints hints;            // MPI_Info key/value pairs
  IoProgress progress = IoProgress::kNone;  // nonblocking modes: resolved, never auto
};

// What a run records as its progress method: the resolved method of a nonblocking mode,
// "n/a (blocking)" for a blocking one.
std::string ProgressUsed(const IoOptions& options);

class CheckpointFile {
 public:
  // Collective over comm: creates the file(s) in a fresh scratch directory under dir.
  CheckpointFile(MPI_Comm comm, IoOptions options, std::uint64_t local_bytes);
  ~CheckpointFile();
  CheckpointFile(const CheckpointFile&) = delete;
  CheckpointFile& operator=(const CheckpointFile&) = delete;

  bool nonblocking() const { return ModeInfo(options_.mode).nonblocking; }
  const IoOptions& options() const { return options_; }
  void Write(const void* data);  // blocking modes
  // Nonblocking modes: starts the write of `data` (kept valid until Wait returns) by the
  // progress method. Collective only where it must be: the room check before the first
  // write, and the agreement after a post on this thread.
  void Post(const void* data);
  bool Test();  // nonblocking: MPI_Test (progress = test); true once complete (local)
  // Nonblocking, collective: completes the write (and its sync, if the options ask for
  // one, whose seconds on this thread it returns); every rank gets any rank's error.
  double Wait();
  void Sync();  // MPI_File_sync / H5Fflush
  // Collective: reads this rank's part back into `buffer`.
  void ReadBack(void* buffer);

  const std::string& path() const { return path_; }
  std::string HintsInEffect() const { return backend_ ? backend_->HintsInEffect() : ""; }
  // Seconds spent waiting for the other ranks to agree after collective calls; resets.
  double TakeAgreeSeconds();

 private:
  void Agree(const std::string& error);
  // Collective: refuses, with a clear error, a write the file system has no room for, in
  // modes whose library crashes on a failed write (IoModeInfo::room_check_reason).
  void CheckSpace();

  MPI_Comm comm_;
  IoOptions options_;
  std::uint64_t local_bytes_;
  ScratchDir scratch_;
  std::string path_;
  BackendTarget target_;
  std::string file_system_;  // FileSystemKey of the scratch directory
  std::unique_ptr<IoBackend> backend_;
  std::unique_ptr<WriteProgress> progress_;  // nonblocking modes; destroyed before backend_
  bool room_known_ = false;  // a write of these bytes completed: rewrites need no room
  double agree_seconds_ = 0;
};

}  // namespace parlab
