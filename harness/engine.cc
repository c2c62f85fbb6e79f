#include "harness/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/collective.h"
#include "harness/interrupt.h"
#include "harness/measure.h"
#include "harness/noise_floor.h"
#include "harness/watchdog.h"

namespace parlab {

Environment Engine::ProbedEnvironment() const {
  Environment env = env_;
  std::set<std::string> probed;
  for (const RunSpec& spec : experiment_.runs) {
    const KernelInfo& kernel = spec.kernel_info();
    if (!kernel.probe || !probed.insert(kernel.name).second) continue;
    for (auto& fact : kernel.probe(world_, spec.params)) {
      const auto same_key = [&](const auto& field) { return field.first == fact.first; };
      if (std::none_of(env.fields.begin(), env.fields.end(), same_key))  // two kernels, one fact
        env.fields.push_back(std::move(fact));
    }
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
  return Share(std::move(outcome), spec, env, left_behind);
}

std::optional<NoiseFloor> Engine::MeasureNoiseFloor(const Environment& env) {
  if (experiment_.runs.empty()) return NoiseFloor{};
  auto [a, b] = NoiseFloorPair(experiment_.runs);
  std::optional<Comparison> pair = MeasureComparison({&a, &b}, env, -1);
  if (!pair) return std::nullopt;
  const RunOutcome& first = pair->runs()[0].outcome;
  const RunOutcome& second = pair->runs()[1].outcome;
  NoiseFloor floor;
  floor.run = fmt::format("{} {} {}x{}", a.Label(), a.model, a.shape.ranks, a.shape.threads);
  floor.rounds = std::min(first.repetitions(), second.repetitions());
  if (first.status == RunStatus::kOk && second.status == RunStatus::kOk && floor.rounds > 0)
    floor.ratio = SpeedupInterval(first.samples.SlowestPerRepetition(0), first.Rounds(),
                                  second.samples.SlowestPerRepetition(0), second.Rounds());
  return floor;
}

MachineState Engine::SampleMachine() const {
  MachineState state = Rank(world_) == 0 ? ReadMachineState() : MachineState{};
  double values[3] = {state.total_ticks, state.steal_ticks, state.cpu_mhz};
  MPI_Bcast(values, 3, MPI_DOUBLE, 0, world_);
  return {values[0], values[1], values[2]};
}

std::optional<Comparison> Engine::MeasureComparison(std::vector<const RunSpec*> specs,
                                                    const Environment& env, int group) {
  Comparison comparison(std::move(specs), experiment_.seed, group);
  const bool complete = comparison.Measure(
      [&](const RunSpec& spec, std::vector<double>& rows) { return Measure(spec, env, rows); },
      [&] { return SampleMachine(); });
  if (!complete) return std::nullopt;
  return comparison;
}

// Reports a finished run; returns whether the experiment must stop (on_timeout = "stop").
bool Engine::Report(const RunSpec& spec, const RunOutcome& outcome, const std::vector<double>& rows,
                    bool replayed, Analysis& analysis, int& not_ok) {
  if (!replayed && recovery_.journal != nullptr) recovery_.journal->Append(spec, outcome);
  for (Reporter* reporter : reporters_) reporter->RunStarted(spec);
  const RunResult result = analysis.Add(spec, outcome, replayed);
  if (outcome.status != RunStatus::kOk && outcome.status != RunStatus::kSkipped) ++not_ok;
  for (Reporter* reporter : reporters_) reporter->RunFinished({spec, outcome, result, rows});
  return outcome.status == RunStatus::kTimeout && spec.on_timeout == OnTimeout::kStop && !replayed;
}

void Engine::End(bool complete, const std::string& reason) {
  for (Reporter* reporter : reporters_) reporter->End(complete, reason);
}

int Engine::Run() {
  Environment env = ProbedEnvironment();
  if (experiment_.noise_floor) {
    const std::optional<NoiseFloor> floor = MeasureNoiseFloor(env);
    if (!floor) {
      End(false, fmt::format("interrupted by {} while measuring the noise floor", SignalName(stop_signal_)));
      return 0;
    }
    AddNoiseFloor(*floor, experiment_, env, Rank(world_) == 0);
  }
  for (Reporter* reporter : reporters_) reporter->Begin(experiment_, env);
  Analysis analysis;
  int not_ok = 0;
  const std::vector<std::vector<int>> groups = ComparisonGroups(experiment_.runs);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    std::vector<const RunSpec*> live;
    for (int i : groups[g]) {
      const RunSpec& spec = experiment_.runs[static_cast<std::size_t>(i)];
      if (recovery_.resumed.find(spec.id) == recovery_.resumed.end()) live.push_back(&spec);
    }
    std::optional<Comparison> comparison;
    if (!live.empty()) comparison = MeasureComparison(live, env, static_cast<int>(g));
    if (!live.empty() && !comparison) {
      End(false, fmt::format("interrupted by {} after {} of {} runs", SignalName(stop_signal_),
                             groups[g].front(), experiment_.runs.size()));
      return not_ok;
    }
    std::size_t next_live = 0;
    for (int i : groups[g]) {
      const RunSpec& spec = experiment_.runs[static_cast<std::size_t>(i)];
      const auto resumed = recovery_.resumed.find(spec.id);
      bool stop = false;
      if (resumed != recovery_.resumed.end()) {
        const std::vector<double> rows = resumed->second.samples.RowsOfRank(Rank(world_));
        stop = Report(spec, resumed->second, rows, true, analysis, not_ok);
      } else {
        ComparisonRun& run = comparison->runs()[next_live++];
        stop = Report(spec, run.outcome, run.rows, false, analysis, not_ok);
      }
      if (stop) stopped_by_ = spec.id;
    }
    if (!stopped_by_.empty()) {
      End(false, fmt::format("stopped after {} timed out (on_timeout = \"stop\")", stopped_by_));
      return not_ok;
    }
  }
  End(true, "");
  return not_ok;
}

}  // namespace parlab
