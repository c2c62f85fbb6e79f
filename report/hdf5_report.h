// The self-describing HDF5 report (schema in docs/report.md), written with parallel HDF5
// by every rank. It lives under "<output>.tmp" until End() renames it, and is flushed
// after every run, so a killed job leaves what it measured and never a broken final file.
#pragma once

#include <mpi.h>

#include <string>

#include "core/h5.h"
#include "harness/reporter.h"

namespace parlab {

inline constexpr int kSchemaVersion = 1;

class Hdf5Report final : public Reporter {
 public:
  Hdf5Report(MPI_Comm world, std::string output, std::string command_line);
  void Begin(const Experiment& experiment, const Environment& env) override;
  void RunFinished(const RunRecord& record, const std::vector<double>& local_rows) override;
  void End(bool complete, const std::string& reason) override;
  const std::string& temporary_path() const { return temporary_; }

 private:
  void WriteEnvironment(const Environment& env);
  // HDF5 fails half-way through a write to a full disk and leaves a file that crashes Open
  // MPI later, so every write is preceded by a check for room (collective; throws the same
  // one-line error on every rank, the file still as it was after the last run).
  void RequireRoom(std::uint64_t data_bytes) const;

  MPI_Comm world_;
  std::string output_;
  std::string temporary_;
  std::string command_line_;
  h5::Handle file_;
  h5::Handle runs_;
  int resumed_ = 0;  // runs replayed from an earlier attempt's journal
};

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
