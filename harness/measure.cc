#include "harness/measure.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <span>

#include "core/collective.h"
#include "core/mpi_util.h"
#include "harness/interrupt.h"
#include "harness/io_stage.h"
#include "harness/placement_check.h"
#include "machine/binding.h"
#include "machine/placement.h"

namespace parlab {
namespace {

double EpochSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// What every rank learns at the end of each repetition, in one reduction: the slowest
// rank's time, whether any rank failed, a stop signal, the watchdog's deadline.
struct RepetitionEnd {
  double slowest_s = 0;
  bool timed_out = false;
};

class RunMeasurement {
 public:
  RunMeasurement(const RunSpec& spec, MPI_Comm comm, RunControl* control)
      : spec_(spec), comm_(comm), control_(control), rank_(Rank(comm)), ranks_(Size(comm)),
        lock_(spec.model_info().MakeLock(spec.shape.threads, spec.options)),
        team_(spec.shape.threads, lock_.get(), spec.model_info().event_loop()),
        kernel_(spec.kernel_info().make()), context_{comm, rank_, ranks_, team_} {}

  RunOutcome Measure(const Environment& env, std::vector<double>& rows) {
    const double start = MPI_Wtime();
    RunOutcome outcome;
    Bind(env);
    Place(outcome, env);
    bool timed_out = false;
    const auto& unavailable = spec_.kernel_info().unavailable;
    if (unavailable && !(outcome.message = unavailable(spec_.params)).empty()) {
      outcome.status = RunStatus::kSkipped;  // the same answer on every rank: no collective
      outcome.elapsed_s = MPI_Wtime() - start;
      outcome.samples = GatherSamples(rows, 0, comm_);
      return outcome;
    }
    try {
      SetUpKernel();
      IoStage stage(spec_, comm_, *kernel_);
      timed_out = Repeat(stage, rows, outcome);
      Finish(stage, timed_out, outcome);
    } catch (const Interrupted&) {
      throw;  // agreed by every rank of comm: the engine stops the experiment
    } catch (const RunAbandoned&) {
      throw;  // the other ranks have moved on: no more collectives on comm
    } catch (const std::exception& e) {
      outcome.status = RunStatus::kError;
      outcome.message = e.what();
      rows.resize(cell_times_.size() * kColumns);
    }
    CheckBinding(env, outcome);
    outcome.elapsed_s = MPI_Wtime() - start;
    outcome.samples = GatherSamples(rows, static_cast<int>(cell_times_.size()), comm_);
    marks_.resize(cell_times_.size());
    outcome.marks = marks_;
    return outcome;
  }

 private:
  void Enter(const std::string& stage) {
    if (control_ != nullptr) control_->Enter(stage);
  }

  // Before the kernel's Setup, so its memory is first touched by bound threads, and
  // outside every timed region. Placement none binds nothing.
  void Bind(const Environment& env) {
    if (!spec_.bound()) return;
    Enter("binding");
    const NodeSlot slot = NodeSlotOf(comm_);
    try {
      plan_ = PlanNode(env.topology, {slot.ranks_on_node, spec_.shape.threads}, spec_.placement,
                       spec_.smt);
    } catch (const PlacementError& e) {
      binding_notes_.push_back(fmt::format("rank {} not bound: {}", rank_, e.what()));
      return;
    }
    rank_plan_ = plan_->ranks[static_cast<std::size_t>(slot.local_rank)];
    binding_.emplace(rank_plan_);
    sampler_.emplace(spec_.shape.threads);
    team_.SetWorkerProbe([this](int worker) { sampler_->Sample(worker); });
    for (const std::string& error : binding_->errors())
      binding_notes_.push_back(fmt::format("rank {} binding: {}", rank_, error));
  }

  // After the run: where every thread is and where the kernel's data lies, against the
  // plan; then the previous affinities back. Collective: every rank's warnings on each.
  void CheckBinding(const Environment& env, RunOutcome& outcome) {
    if (!spec_.bound()) return;
    if (binding_) {
      const std::vector<ThreadWhere> where = WhereTeamRuns(spec_.shape.threads);
      const std::span<const std::byte> data = kernel_->CheckpointData();
      const PageNodes pages = SamplePageNodes(data.data(), data.size());
      for (std::string& warning :
           CompareWithPlan(env.topology, rank_plan_, rank_, where, &*sampler_, &pages))
        binding_notes_.push_back(std::move(warning));
      for (const std::string& problem : binding_->Restore())
        binding_notes_.push_back(fmt::format("rank {} restoring: {}", rank_, problem));
    }
    std::string mine;
    for (const std::string& note : binding_notes_) mine += "placement: " + note + "\n";
    for (const std::string& text : AllGatherStrings(comm_, mine))
      for (std::size_t at = 0, end; (end = text.find('\n', at)) != std::string::npos; at = end + 1)
        outcome.warnings.push_back(text.substr(at, end - at));
  }

  void Place(RunOutcome& outcome, const Environment& env) {
    const RunPlacement placement = ObservePlacement(comm_, team_, spec_.shape, env.cores_online,
                                                    plan_ ? &*plan_ : nullptr);
    outcome.cpu_sets = placement.cpu_sets;
    outcome.places = placement.places;
    outcome.oversubscribed = placement.oversubscribed;
    outcome.warnings = placement.warnings;
    if (control_ != nullptr) control_->SetPlacement(placement);
  }

  void SetUpKernel() {
    Enter("setup");
    std::string error;
    try {
      kernel_->Setup(spec_.params, context_);
    } catch (const std::exception& e) {
      error = fmt::format("setup failed: {}", e.what());
    }
    AgreeOrThrow(comm_, error);
  }

  // Warm-ups and measured repetitions share one loop, so a failure in either reaches
  // every rank through the same reduction. Returns whether the watchdog stopped it.
  bool Repeat(IoStage& stage, std::vector<double>& rows, RunOutcome& outcome) {
    double measured = 0;
    double loop_start = MPI_Wtime();
    for (int iteration = 0;; ++iteration) {
      const bool warmup = iteration < spec_.warmups;
      const int rep = iteration - spec_.warmups;
      if (rep == 0) loop_start = MPI_Wtime();
      const std::string what =
          warmup ? fmt::format("warm-up {}", iteration + 1) : fmt::format("repetition {}", rep + 1);
      Enter(what);
      const RepetitionEnd end = OneRepetition(stage, what);
      if (warmup) {
        if (end.timed_out) return true;
        continue;
      }
      KeepRow(rows);
      marks_.push_back({0, rep_started_s_, 0, 0});
      measured += end.slowest_s;
      cell_times_.push_back(end.slowest_s);
      const int done = rep + 1;
      outcome.loop_s = MPI_Wtime() - loop_start;
      if (end.timed_out || done >= spec_.max_repetitions) return end.timed_out;
      if (done >= spec_.repetitions && measured >= spec_.min_time_s) return false;
    }
  }

  RepetitionEnd OneRepetition(IoStage& stage, const std::string& what) {
    timer_.Reset();
    team_.TakeMeanLockWaitSeconds();
    std::string error;
    BarrierOrAbandon(comm_);
    rep_started_s_ = EpochSeconds();
    const double start = MPI_Wtime();
    try {
      kernel_->Run(timer_);
    } catch (const CollectiveError&) {
      throw;  // every rank has it already
    } catch (const std::exception& e) {
      error = fmt::format("{} failed: {}", what, e.what());
    }
    if (stage.active()) {
      // The stage is collective: every rank must know of a failure before entering it.
      AgreeOrThrow(comm_, error);
      stage.AfterRepetition(timer_);
    }
    total_s_ = MPI_Wtime() - start;
    double worst[4] = {total_s_, error.empty() ? 0.0 : 1.0, static_cast<double>(LocalStopSignal()),
                       control_ != nullptr && control_->stop_requested ? 1.0 : 0.0};
    MaxOrAbandon(comm_, worst, 4);
    if (worst[1] > 0) AgreeOrThrow(comm_, error);
    if (worst[2] > 0) throw Interrupted(static_cast<int>(worst[2]));
    return {worst[0], worst[3] > 0};
  }

  // This rank's row of the repetition just measured: its total, then every phase (a time
  // computed as a difference can come out a rounding error below zero: it is zero).
  void KeepRow(std::vector<double>& rows) {
    rows.push_back(total_s_);
    for (int p = 0; p < kPhaseCount; ++p) {
      const auto phase = static_cast<Phase>(p);
      // lock_wait: the model's lock, plus a wait the kernel measured itself (CPython's GIL).
      const double seconds =
          timer_.Get(phase) + (phase == Phase::kLockWait ? team_.TakeMeanLockWaitSeconds() : 0.0);
      rows.push_back(std::max(0.0, seconds));
    }
    if (control_ != nullptr) control_->AddRow(&rows[rows.size() - kColumns], kColumns);
  }

  void Finish(IoStage& stage, bool timed_out, RunOutcome& outcome) {
    Enter("verification");
    const std::string stage_error = stage.Verify();
    const Verification verification = kernel_->Verify();
    outcome.status = verification.passed && stage_error.empty() ? RunStatus::kOk : RunStatus::kFailed;
    outcome.message = verification.message + (stage_error.empty() ? "" : "; " + stage_error);
    if (timed_out) {
      outcome.status = RunStatus::kTimeout;
      outcome.message = fmt::format("stopped after {} of {} repetitions: the run reached "
                                    "timeout_s = {} s; {}", cell_times_.size(), spec_.repetitions,
                                    spec_.timeout_s, outcome.message);
    }
    outcome.work = kernel_->work();
    outcome.results = kernel_->Results();
    outcome.notes = kernel_->Notes();
    if (std::string used = stage.ProgressUsed(); !used.empty())
      outcome.notes["io_stage_progress"] = std::move(used);
  }

  const RunSpec& spec_;
  MPI_Comm comm_;
  RunControl* control_;
  int rank_, ranks_;
  std::unique_ptr<WorkerLock> lock_;
  Team team_;
  std::unique_ptr<Kernel> kernel_;
  RunContext context_;
  PhaseTimer timer_;
  double total_s_ = 0;
  std::vector<double> cell_times_;
  std::vector<RepetitionMark> marks_;  // the round is the engine's to set
  double rep_started_s_ = 0;
  std::optional<NodePlan> plan_;  // bound placements: this rank's node's plan
  RankPlan rank_plan_;
  std::optional<BindingGuard> binding_;
  std::optional<CpuSampler> sampler_;  // the CPU each thread was on in the timed regions
  std::vector<std::string> binding_notes_;  // this rank's binding problems and mismatches
};

}  // namespace

RunOutcome MeasureRun(const RunSpec& spec, MPI_Comm comm, const Environment& env,
                      std::vector<double>& local_rows, RunControl* control) {
  local_rows.clear();
  RunMeasurement measurement(spec, comm, control);
  return measurement.Measure(env, local_rows);
}

}  // namespace parlab
