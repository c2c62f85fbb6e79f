// The run journal, "<output>.journal": after every run, world rank 0 appends the run's raw
// outcome (every per-rank sample, status, results) as one JSON line and syncs it to disk.
// A job that dies — a crashed rank, SIGKILL, a lost node — leaves its finished runs there,
// and `parlab run --resume` replays them through the same path as fresh measurements, so
// the final report is the one an uninterrupted job would have written. The journal is
// removed once the report is complete; a partial report (stop signal, on_timeout = "stop")
// keeps it, so the experiment can be resumed. A journal is input like any other: every
// field of every entry is validated before it is used.
#pragma once

#include <mpi.h>

#include <map>
#include <string>

#include "core/files.h"
#include "harness/outcome.h"
#include "harness/run_spec.h"

namespace parlab {

// Runs finished by an earlier attempt: run id -> outcome.
using FinishedRuns = std::map<std::string, RunOutcome>;

std::string JournalPath(const std::string& output);

// Bytes of journal parlab reads at most (a config of 100000 runs stays far below).
inline constexpr std::uint64_t kMaxJournalBytes = 4ULL << 30;

// Collective. The finished runs a journal holds, every one checked against `experiment`:
// a run measured with other parameters than the config now gives, or an entry with a
// damaged field, is a ConfigError naming the line, the run and the field. An entry cut
// short by a crash ends the journal. A missing journal holds nothing.
FinishedRuns LoadJournal(MPI_Comm world, const std::string& path, const Experiment& experiment);

class RunJournal {
 public:
  // Collective: starts the journal afresh with the `kept` runs of an earlier attempt.
  RunJournal(MPI_Comm world, std::string path, const Experiment& experiment,
             const FinishedRuns& kept);
  RunJournal(const RunJournal&) = delete;
  RunJournal& operator=(const RunJournal&) = delete;

  // Collective: rank 0 appends the run and syncs; a failed write throws on every rank.
  void Append(const RunSpec& spec, const RunOutcome& outcome);
  // The report is complete: the journal is no longer needed (rank 0 removes it).
  void Remove();

 private:
  MPI_Comm world_;
  std::string path_;
  FileDescriptor file_;  // rank 0 only
};

}  // namespace parlab
