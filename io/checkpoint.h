// A checkpoint of a rank-distributed array written through MPI-IO (or parallel HDF5):
// modes blocking (MPI_File_write_at_all), nonblocking (MPI_File_iwrite_at_all),
// independent (MPI_File_write_at) and hdf5 (collective H5Dwrite); layouts shared-file
// (each rank at its offset) and file-per-rank. Every handle is RAII, every MPI error
// becomes an exception naming the file and MPI's error string, and every collective call
// is followed by an agreement, so an error on one rank never leaves another in a
// collective. Scratch files are deleted on destruction unless kept.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace parlab {

struct IoOptions {
  std::string mode = "blocking";  // blocking | nonblocking | independent | hdf5
  std::string layout = "shared-file";  // shared-file | file-per-rank
  std::string dir = ".";
  bool sync = false;        // MPI_File_sync (H5Fflush) after each write, inside the timing
  bool keep_files = false;
  std::vector<std::pair<std::string, std::string>> hints;  // MPI_Info key/value pairs
};

// "key=value;key=value" -> pairs; throws std::invalid_argument on a malformed item.
std::vector<std::pair<std::string, std::string>> ParseHints(const std::string& text);

std::string MpiErrorText(int code);

// True when Open MPI is told to use ROMIO for MPI-IO (OMPI_MCA_io, or an `io` line in
// the MCA parameter files, naming romio or excluding ompio). ROMIO's nonblocking
// collectives crash in Open MPI 4.1 (and its files report no hints to tell), so callers
// avoid those calls.
bool RomioSelected();

// Bytes available to unprivileged writers on the file system holding `dir` (statvfs);
// UINT64_MAX when it cannot be told. A nonblocking write that fails (e.g. ENOSPC) crashes
// MPI_Wait in Open MPI 4.1, so nonblocking writes are checked against this first.
std::uint64_t FreeBytes(const std::string& dir);

class CheckpointFile {
 public:
  // Collective over comm: creates (truncates) the file(s) under a unique scratch name.
  CheckpointFile(MPI_Comm comm, IoOptions options, std::uint64_t local_bytes);
  ~CheckpointFile();
  CheckpointFile(const CheckpointFile&) = delete;
  CheckpointFile& operator=(const CheckpointFile&) = delete;

  void Write(const void* data);  // blocking, independent and hdf5 modes
  void Post(const void* data);   // nonblocking mode: starts the write
  bool Test();                   // nonblocking: true once the write completed
  void Wait();                   // nonblocking: completes the write
  void Sync();                   // when options.sync
  // Collective: reads this rank's part back into `buffer`.
  void ReadBack(void* buffer);

  const std::string& path() const { return path_; }
  std::uint64_t offset() const { return offset_; }
  // The hints the MPI library reports for the open file, "key=value;..." (not hdf5).
  std::string HintsInEffect() const;
  // Seconds spent waiting for the other ranks to agree after collective calls; resets.
  double TakeAgreeSeconds();

 private:
  void Check(int code, const char* call) const;
  void Agree(const std::string& error);
  // Collective: refuses, with a clear error, a write the file system has no room for.
  void CheckSpace(const char* call, const char* why);
  void OpenMpi();
  void OpenHdf5();
  void Close() noexcept;

  MPI_Comm comm_;
  MPI_Comm file_comm_;  // comm (shared-file) or MPI_COMM_SELF (file-per-rank)
  IoOptions options_;
  std::uint64_t local_bytes_;
  std::uint64_t offset_ = 0;
  std::string path_;
  MPI_File file_ = MPI_FILE_NULL;
  MPI_Request request_ = MPI_REQUEST_NULL;
  long long h5_file_ = -1, h5_dataset_ = -1;  // hid_t, kept opaque here
  double agree_seconds_ = 0;
};

}  // namespace parlab
