#include "io/checkpoint.h"

#include <sys/stat.h>

#include <algorithm>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "core/collective.h"
#include "core/mpi_util.h"
#include "io/fs.h"

namespace parlab {

std::string ProgressUsed(const IoOptions& options) {
  return ModeInfo(options.mode).nonblocking ? kIoProgressNames.Name(options.progress)
                                            : "n/a (blocking)";
}

CheckpointFile::CheckpointFile(MPI_Comm comm, IoOptions options, std::uint64_t local_bytes)
    : comm_(comm),
      options_(std::move(options)),
      local_bytes_(local_bytes),
      scratch_(comm, options_.dir, options_.keep_files) {
  const bool per_rank = options_.layout == IoLayout::kFilePerRank;
  path_ = scratch_.path() + "/checkpoint" +
          (per_rank ? ".rank" + std::to_string(Rank(comm_)) : std::string()) +
          (options_.mode == IoMode::kHdf5 ? ".h5" : ".dat");
  target_ = {per_rank ? MPI_COMM_SELF : comm_, path_, options_.hints, 0, local_bytes_, local_bytes_};
  if (!per_rank) {
    MPI_Exscan(&local_bytes_, &target_.offset, 1, MPI_UINT64_T, MPI_SUM, comm_);
    if (Rank(comm_) == 0) target_.offset = 0;  // MPI_Exscan leaves rank 0's result undefined
    MPI_Allreduce(&local_bytes_, &target_.file_bytes, 1, MPI_UINT64_T, MPI_SUM, comm_);
  }
  file_system_ = FileSystemKey(scratch_.path());
  std::string error;
  backend_ = ModeInfo(options_.mode).open(target_, &error);
  try {
    if (backend_ && nonblocking())
      progress_ = std::make_unique<WriteProgress>(*backend_, options_.progress, options_.sync);
  } catch (const std::system_error& e) {
    error = std::string("cannot start the I/O helper thread: ") + e.what();
  }
  Agree(error);
}

CheckpointFile::~CheckpointFile() {
  progress_.reset();  // joins the helper thread, after its write in flight
  backend_.reset();   // closes before the directory goes
}

void CheckpointFile::Agree(const std::string& error) {
  const double start = MPI_Wtime();
  AgreeOrThrow(comm_, error);
  agree_seconds_ += MPI_Wtime() - start;
}

double CheckpointFile::TakeAgreeSeconds() {
  const double seconds = agree_seconds_;
  agree_seconds_ = 0;
  return seconds;
}

void CheckpointFile::Write(const void* data) {
  CheckSpace();
  Agree(backend_->Write(data));
}

void CheckpointFile::CheckSpace() {
  const IoModeInfo& mode = ModeInfo(options_.mode);
  if (mode.room_check_reason == nullptr) return;
  // What this rank adds to its file system: its bytes (and, once per file, the metadata)
  // beyond what its file holds already (rewrites need no room). Summed over every rank that
  // writes to the same file system: each may fit alone while together they do not.
  const bool counts_file = target_.comm == MPI_COMM_SELF || Rank(comm_) == 0;
  struct stat info {};
  const double held = counts_file && stat(path_.c_str(), &info) == 0 ? static_cast<double>(info.st_size) : 0;
  const double want = static_cast<double>(local_bytes_) +
                      (counts_file ? static_cast<double>(mode.metadata_bytes) : 0);
  const std::vector<std::string> keys = AllGatherStrings(comm_, file_system_);
  std::vector<double> mine = {want, held}, all(2 * keys.size());
  MPI_Allgather(mine.data(), 2, MPI_DOUBLE, all.data(), 2, MPI_DOUBLE, comm_);
  double wanted = 0, holding = 0;
  for (std::size_t r = 0; r < keys.size(); ++r)
    if (keys[r] == file_system_) wanted += all[2 * r], holding += all[2 * r + 1];
  const auto needed = static_cast<std::uint64_t>(std::max(0.0, wanted - holding));
  const std::uint64_t free_bytes = FreeBytes(scratch_.path());
  std::string error;
  if (needed > free_bytes)
    error = std::string(mode.call) + " not attempted on " + path_ + ": " + std::to_string(needed) +
            " more bytes needed by the ranks writing to this file system, " +
            std::to_string(free_bytes) + " free (" + mode.room_check_reason +
            " in this Open MPI / HDF5)";
  Agree(error);
}

void CheckpointFile::Post(const void* data) {
  if (!room_known_) CheckSpace();
  const std::string error = progress_->Start(data);
  // A collective write posted on this thread must not be waited for by some ranks only; a
  // helper's errors (and an independent write's) are agreed on when it completes.
  if (!UsesHelper(progress_->method())) Agree(error);
}

bool CheckpointFile::Test() { return progress_->Poke(); }

double CheckpointFile::Wait() {
  const WriteProgress::Finished finished = progress_->Finish();
  Agree(finished.error);
  room_known_ = true;
  return finished.sync_s;
}

void CheckpointFile::Sync() { Agree(backend_->Sync()); }

void CheckpointFile::ReadBack(void* buffer) { Agree(backend_->ReadBack(buffer)); }

}  // namespace parlab
