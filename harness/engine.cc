#include "harness/engine.h"

#include <fmt/format.h>

#include <set>

#include "core/collective.h"
#include "harness/interrupt.h"
#include "harness/measure.h"
#include "harness/watchdog.h"

namespace parlab {

Environment Engine::ProbedEnvironment() const {
  Environment env = env_;
  std::set<std::string> probed;
  for (const RunSpec& spec : experiment_.runs) {
    const KernelInfo& kernel = spec.kernel_info();
    if (!kernel.probe || !probed.insert(kernel.name).second) continue;
    for (auto& fact : kernel.probe(world_, spec.params)) env.fields.push_back(std::move(fact));
  }
  return env;
}

MPI_Comm Engine::ShapeComm(int ranks) {
  if (comms_.find(ranks) == comms_.end()) {
    const int world_rank = Rank(world_);
    CommHandle comm;
    MPI_Comm_split(world_, world_rank < ranks ? 0 : MPI_UNDEFINED, world_rank, comm.out());
    comms_.emplace(ranks, std::move(comm));
  }
  return comms_.at(ranks).get();
}

RunOutcome Engine::Share(RunOutcome outcome, const RunSpec& spec, const Environment& env,
                         const std::string& left_behind) {
  if (Rank(world_) == 0) {
    if (!left_behind.empty()) outcome.warnings.push_back(left_behind);
    outcome.nodes = static_cast<int>(
        std::set<std::string>(env.hostnames.begin(), env.hostnames.begin() + spec.shape.ranks)
            .size());
    outcome.finished_utc = UtcNow();
  }
  return ShareOutcome(world_, std::move(outcome),
                      {spec.shape.ranks, spec.shape.threads, spec.max_repetitions});
}

std::optional<RunOutcome> Engine::Measure(const RunSpec& spec, const Environment& env,
                                          std::vector<double>& local_rows) {
  const MPI_Comm comm = ShapeComm(spec.shape.ranks);
  const std::string left_behind = LeftBehindWarning(world_);
  RunOutcome outcome;
  if (comm != MPI_COMM_NULL) {
    try {
      outcome = MeasureWatched(spec, comm, env, local_rows, MeasureRun);
    } catch (const Interrupted&) {
      // The run is dropped; the world-wide agreement below stops the experiment.
    }
  }
  IdleBarrier(world_);
  stop_signal_ = AgreedStopSignal(world_);
  if (stop_signal_ != 0) return std::nullopt;
  outcome = Share(std::move(outcome), spec, env, left_behind);
  if (recovery_.journal != nullptr) recovery_.journal->Append(spec, outcome);
  return outcome;
}

void Engine::End(bool complete, const std::string& reason) {
  for (Reporter* reporter : reporters_) reporter->End(complete, reason);
}

int Engine::Run() {
  const Environment env = ProbedEnvironment();
  for (Reporter* reporter : reporters_) reporter->Begin(experiment_, env);
  Analysis analysis;
  int not_ok = 0;
  for (const RunSpec& spec : experiment_.runs) {
    for (Reporter* reporter : reporters_) reporter->RunStarted(spec);
    std::vector<double> local_rows;
    const auto resumed = recovery_.resumed.find(spec.id);
    const bool replayed = resumed != recovery_.resumed.end();
    const std::optional<RunOutcome> outcome =
        replayed ? resumed->second : Measure(spec, env, local_rows);
    if (!outcome) {
      End(false, fmt::format("interrupted by {} after {} of {} runs", SignalName(stop_signal_),
                             spec.index, experiment_.runs.size()));
      return not_ok;
    }
    if (replayed) local_rows = outcome->samples.RowsOfRank(Rank(world_));
    const RunResult result = analysis.Add(spec, *outcome, replayed);
    if (outcome->status != RunStatus::kOk) ++not_ok;
    for (Reporter* reporter : reporters_) reporter->RunFinished({spec, *outcome, result, local_rows});
    if (outcome->status == RunStatus::kTimeout && spec.on_timeout == OnTimeout::kStop && !replayed) {
      stopped_by_ = spec.id;
      End(false, fmt::format("stopped after {} timed out (on_timeout = \"stop\")", spec.id));
      return not_ok;
    }
  }
  End(true, "");
  return not_ok;
}

}  // namespace parlab
