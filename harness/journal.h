// The run journal, "<output>.journal": after every run, world rank 0 appends the run's raw
// record (every per-rank sample, status, results) as one JSON line and syncs it to disk.
// A job that dies — a crashed rank, SIGKILL, a lost node — leaves its finished runs there,
// and `parlab run --resume` replays them through the same path as fresh measurements, so
// the final report is the one an uninterrupted job would have written. The journal is
// removed once the report is complete; a partial report (stop signal, on_timeout = "stop")
// keeps it, so the experiment can be resumed.
#pragma once

#include <mpi.h>

#include <map>
#include <string>

#include "harness/run_spec.h"

namespace parlab {

std::string JournalPath(const std::string& output);

// Collective. The finished runs a journal holds (run id -> record JSON), every one checked
// against `experiment`: a run measured with other parameters than the config now gives is
// a ConfigError. An entry cut short by a crash ends the journal. A missing journal holds
// nothing.
std::map<std::string, std::string> LoadJournal(MPI_Comm world, const std::string& path,
                                               const Experiment& experiment);

class RunJournal {
 public:
  // Collective: starts the journal afresh with the `kept` runs of an earlier attempt.
  RunJournal(MPI_Comm world, std::string path, const Experiment& experiment,
             const std::map<std::string, std::string>& kept);
  ~RunJournal();
  RunJournal(const RunJournal&) = delete;
  RunJournal& operator=(const RunJournal&) = delete;

  // Collective: rank 0 appends the run and syncs; a failed write throws on every rank.
  void Append(const RunSpec& spec, const std::string& record_json);
  // The report is complete: the journal is no longer needed (rank 0 removes it).
  void Remove();
  const std::string& path() const { return path_; }

 private:
  MPI_Comm world_;
  std::string path_;
  int fd_ = -1;  // rank 0 only
};

}  // namespace parlab
