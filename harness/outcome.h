// What one run measured: the raw outcome, identical on every rank once the engine has
// shared it. The journal stores exactly this and --resume replays it; every figure in a
// report (result.h) is derived from it and nothing else.
#pragma once

#include <mpi.h>

#include <map>
#include <string>
#include <vector>

#include "core/enum_names.h"
#include "core/kernel.h"
#include "core/samples.h"
#include "harness/run_status.h"

namespace parlab {

// Why a run measured as many repetitions as it did.
enum class StopReason { kRepetitions, kMinTime, kPrecision, kBudget, kMaxRepetitions, kEnded };
inline constexpr EnumNames<StopReason, 6> kStopReasonNames{{{
    {StopReason::kRepetitions, "repetitions"},          // the configured count, no precision asked
    {StopReason::kMinTime, "min_time"},                 // grown until min_time was measured
    {StopReason::kPrecision, "precision met"},          // every interval as narrow as asked
    {StopReason::kBudget, "max_time spent"},            // the comparison's budget ran out first
    {StopReason::kMaxRepetitions, "max_repetitions"},   // the cap ran out first
    {StopReason::kEnded, "ended"},                      // failed, error or timeout
}}};

// Where one measured repetition sits in the measuring order: its round (every run of a
// comparison measures a block in each round, in a shuffled order), when it started, and
// the machine's state during the round (steal: share of CPU time the hypervisor took;
// cpu_mhz: mean clock of the online CPUs, 0 when unknown).
struct RepetitionMark {
  int round = 0;
  double started_s = 0;  // seconds since the Unix epoch
  double steal = 0;
  double cpu_mhz = 0;
};

struct RunOutcome {
  RunStatus status = RunStatus::kError;
  std::string message;  // verification or error text
  SampleTable samples;  // [repetition][rank][column]: repetitions and ranks live here
  int nodes = 1;        // distinct hosts among the run's ranks
  double loop_s = 0;    // wall time of the measured-repetition loop, harness included
  double elapsed_s = 0;  // wall time of the whole run: setup, warm-ups, loop, verification
  Work work;
  std::vector<KernelResult> results;  // the kernel's own
  std::map<std::string, std::string> notes;
  std::vector<std::string> cpu_sets;  // [rank * threads + thread]
  std::vector<int> places;            // [rank * threads + thread]
  bool oversubscribed = false;        // more threads than cores, or confined threads
  std::vector<std::string> warnings;  // the oversubscription warning first, when there is one
  std::string finished_utc;           // when the outcome was complete
  std::vector<RepetitionMark> marks;  // one per measured repetition, in measuring order
  StopReason stop_reason = StopReason::kRepetitions;
  int blocks = 0;                     // how many times it was set up and measured (rounds)

  // Adds a later block of the same run: its repetitions, times, warnings; a block that did
  // not end "ok" ends the run with its status and message. Results are the later block's,
  // except counts marked `summed`, which add up (a block with no results keeps the run's).
  void AppendBlock(RunOutcome block);
  // The measured repetitions' rounds (for paired comparisons).
  std::vector<int> Rounds() const;

  int repetitions() const { return samples.repetitions(); }
  int ranks() const { return samples.ranks(); }
};

// Collective over comm: every rank's first `repetitions` rows of `local_rows` ([rep][column])
// as a [rep][rank][column] table on comm's rank 0 (empty elsewhere).
SampleTable GatherSamples(const std::vector<double>& local_rows, int repetitions, MPI_Comm comm);

// The outcome as one line of JSON (the journal's and the engine's wire format).
std::string EncodeOutcome(const RunOutcome& outcome);

// What an encoded outcome must match to be used: the run it claims to be.
struct OutcomeExpectation {
  int ranks;        // the run's shape
  int threads;
  int max_repetitions;
};

// Parses and validates every field (types, shapes, ranges, known status names); throws
// ConfigError naming the field and the bad value. Used on everything read back, since a
// journal on a shared file system is input like any other.
RunOutcome DecodeOutcome(const std::string& json, const OutcomeExpectation& expect);

// Collective over comm: comm rank 0's outcome on every rank (encoded once, decoded on the
// others), as reporters that write in parallel need it.
RunOutcome ShareOutcome(MPI_Comm comm, RunOutcome outcome, const OutcomeExpectation& expect);

}  // namespace parlab
