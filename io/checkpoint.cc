#include "io/checkpoint.h"

#include <sys/stat.h>

#include <stdexcept>

#include "core/collective.h"
#include "core/mpi_util.h"
#include "io/fs.h"

namespace parlab {

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
  std::string error;
  backend_ = ModeInfo(options_.mode).open(target_, &error);
  Agree(error);
}

CheckpointFile::~CheckpointFile() { backend_.reset(); }  // closes before the directory goes

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
  if (options_.mode == IoMode::kHdf5)
    CheckSpace("H5Dwrite", "a file HDF5 cannot flush crashes MPI_Finalize");
  Agree(backend_->Write(data));
}

void CheckpointFile::CheckSpace(const char* call, const char* why) {
  // Space the write still needs beyond what the file already holds (rewrites need none).
  struct stat info {};
  const std::uint64_t size =
      stat(path_.c_str(), &info) == 0 ? static_cast<std::uint64_t>(info.st_size) : 0;
  const std::uint64_t want = target_.file_bytes + ModeInfo(options_.mode).metadata_bytes;
  const std::uint64_t needed = want > size ? want - size : 0;
  const std::uint64_t free_bytes = FreeBytes(scratch_.path());
  std::string error;
  if (needed > free_bytes)
    error = std::string(call) + " not attempted on " + path_ + ": " + std::to_string(needed) +
            " more bytes needed, " + std::to_string(free_bytes) + " free (" + why +
            " in this Open MPI / HDF5)";
  Agree(error);
}

void CheckpointFile::Post(const void* data) {
  CheckSpace("MPI_File_iwrite_at_all", "a failing nonblocking write crashes MPI_Wait");
  Agree(backend_->Post(data));
}

bool CheckpointFile::Test() {
  bool done = false;
  const std::string error = backend_->Test(&done);
  if (!error.empty()) throw std::runtime_error(error);
  return done;
}

void CheckpointFile::Wait() { Agree(backend_->Wait()); }

void CheckpointFile::Sync() { Agree(backend_->Sync()); }

void CheckpointFile::ReadBack(void* buffer) { Agree(backend_->ReadBack(buffer)); }

}  // namespace parlab
