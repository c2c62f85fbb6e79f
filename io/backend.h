// One way of writing a checkpoint, after IOR's backends (aiori.h): a small interface, one
// file per backend (backend_<mode>.cc), all listed in one table (backends.cc). A backend
// does the MPI-IO or HDF5 calls for one open file; CheckpointFile (checkpoint.h) names the
// file, lays it out, checks for room and makes the ranks agree on every error.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "io/modes.h"

namespace parlab {

using IoHints = std::vector<std::pair<std::string, std::string>>;

// What a backend writes: this rank's `local_bytes` at `offset` in the file at `path`,
// which the ranks of `comm` share (MPI_COMM_SELF for file-per-rank).
struct BackendTarget {
  MPI_Comm comm;
  std::string path;
  IoHints hints;
  std::uint64_t offset = 0;
  std::uint64_t local_bytes = 0;
  std::uint64_t file_bytes = 0;  // all ranks' bytes in this file
};

// Every call returns "" or this rank's error; the caller agrees on it across ranks, so a
// backend never needs to know whether another rank failed.
class IoBackend {
 public:
  virtual ~IoBackend() = default;
  // Blocking modes; nonblocking modes write with the blocking form of their call here
  // (write_at_all for iwrite_at_all), which a helper thread uses (progress = "helper").
  // Must make no collective call on the run's communicator (only on the file's).
  virtual std::string Write(const void* data);
  // Nonblocking modes: start the write of `data` (kept valid until complete), then test or
  // wait for it.
  virtual std::string Post(const void* data);
  virtual std::string Test(bool* done);
  virtual std::string Wait();
  virtual std::string Sync() = 0;
  virtual std::string ReadBack(void* buffer) = 0;
  // The hints the library reports for the open file, "key=value;..." ("" when none).
  virtual std::string HintsInEffect() const { return ""; }
};

struct IoModeInfo {
  IoMode mode;
  const char* call;  // the library call that writes, as error messages name it
  const char* doc;
  bool nonblocking;  // written with Post + Test/Wait rather than Write
  IoMode blocking_form;  // the blocking mode a nonblocking one is compared with (itself if blocking)
  std::uint64_t metadata_bytes;  // room the file needs beyond the data (space checks)
  // Why a write must not start without room for it (this library crashes on a failed
  // one), nullptr when a failure is reported cleanly after the fact.
  const char* room_check_reason;
  // Collective over target.comm: creates (truncates) the file. On failure returns nullptr
  // and this rank's error in *error (the other ranks may have succeeded).
  std::unique_ptr<IoBackend> (*open)(const BackendTarget& target, std::string* error);
};

const IoModeInfo& ModeInfo(IoMode mode);

// "blocking (doc) | nonblocking (doc) | ...": every mode for a parameter's documentation.
std::string IoModesDoc();

}  // namespace parlab
