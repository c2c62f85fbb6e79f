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
  void RunFinished(const FinishedRun& run) override;
  void End(bool complete, const std::string& reason) override;

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

}  // namespace parlab
