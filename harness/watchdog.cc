#include "harness/watchdog.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <limits>
#include <memory>
#include <thread>

#include "core/collective.h"
#include "core/mpi_util.h"
#include "core/phase_timer.h"
#include "harness/interrupt.h"

namespace parlab {
namespace {

// After a stop signal a hung run gets at most this long: SLURM kills 30 s after SIGTERM.
constexpr double kStopGraceS = 5;

// What a run's thread and the main thread share. Owned by both, because an abandoned
// thread may outlive the run and the experiment.
struct WatchedRun {
  WatchedRun(const RunSpec& s, const Environment& e, MeasureFunction m)
      : spec(s), env(e), measure(m) {}
  const RunSpec spec;
  const Environment env;
  const MeasureFunction measure;
  CommHandle comm;  // the run's own: a left-behind thread may still be using it
  RunControl control;
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  RunOutcome outcome;
  std::vector<double> rows;
  std::exception_ptr error;

  bool Done() {
    std::lock_guard lock(mutex);
    return done;
  }
};

// Runs this rank has given up on whose threads had not come back.
std::mutex g_left_behind_mutex;
std::vector<std::shared_ptr<WatchedRun>> g_left_behind;

// The ids of left-behind runs whose threads still have not finished.
std::vector<std::string> StillRunning() {
  std::lock_guard lock(g_left_behind_mutex);
  std::vector<std::string> ids;
  for (const auto& run : g_left_behind)
    if (!run->Done()) ids.push_back(run->spec.id);
  return ids;
}

// Waits for the run's thread. At the deadline the run is asked to stop at its next
// repetition boundary; returns false when it has not finished by the end of the grace
// period after that (or, after a stop signal, after a shorter grace).
bool WaitForRun(WatchedRun& run) {
  const double start = NowSeconds();
  const double timeout = run.spec.timeout_s;
  double give_up = std::numeric_limits<double>::infinity();
  bool signal_seen = false;
  std::unique_lock lock(run.mutex);
  while (!run.done) {
    run.finished.wait_for(lock, std::chrono::milliseconds(50));
    const double now = NowSeconds();
    if (!run.control.stop_requested && now - start >= timeout) {
      run.control.stop_requested = true;
      give_up = std::min(give_up, now + GraceSeconds(timeout));
    }
    if (!signal_seen && LocalStopSignal() != 0) {
      signal_seen = true;  // a healthy run stops at its next boundary through the reduction
      give_up = std::min(give_up, now + std::min(kStopGraceS, GraceSeconds(timeout)));
    }
    if (now >= give_up && !run.done) return false;
  }
  return true;
}

// What every rank of comm says about where it was when its run was abandoned.
std::string WhereRanksWere(MPI_Comm comm, const std::string& stage, bool back) {
  const std::string mine =
      stage.empty() ? ""
                    : fmt::format("rank {} was in {}{}", Rank(comm), stage,
                                  back ? "" : " (its thread is left behind)");
  std::string stuck;
  for (const std::string& text : AllGatherStrings(comm, mine))
    if (!text.empty()) stuck += (stuck.empty() ? "" : "; ") + text;
  return stuck;
}

// The ranks have agreed that `run` hung on at least one of them: record it as "timeout"
// with the repetitions every rank completed. Collective over comm (the main threads').
RunOutcome Abandon(const std::shared_ptr<WatchedRun>& run, std::thread thread, MPI_Comm comm,
                   double elapsed_s, std::vector<double>& local_rows) {
  const std::string stage = run->Done() ? "" : run->control.stage();
  run->control.abandoned = true;  // harness waits on the other ranks throw now
  {
    std::unique_lock lock(run->mutex);
    run->finished.wait_for(lock, std::chrono::milliseconds(200), [&] { return run->done; });
  }
  const bool back = run->Done();
  if (back) {
    thread.join();
    run->comm.Reset();
  } else {
    thread.detach();
    std::lock_guard lock(g_left_behind_mutex);
    g_left_behind.push_back(run);
  }
  const RunPlacement placement = run->control.placement();
  RunOutcome outcome;
  outcome.cpu_sets = placement.cpu_sets;
  outcome.places = placement.places;
  outcome.oversubscribed = placement.oversubscribed;
  outcome.warnings = placement.warnings;
  local_rows = run->control.rows();
  int repetitions = static_cast<int>(local_rows.size() / kColumns);
  MPI_Allreduce(MPI_IN_PLACE, &repetitions, 1, MPI_INT, MPI_MIN, comm);
  local_rows.resize(static_cast<std::size_t>(repetitions) * kColumns);
  const std::string stuck = WhereRanksWere(comm, stage, back);
  const RunSpec& spec = run->spec;
  outcome.status = RunStatus::kTimeout;
  outcome.message = fmt::format(
      "abandoned: no repetition boundary within {} s after timeout_s = {} s: {}; kept the {} "
      "repetitions every rank completed", GraceSeconds(spec.timeout_s), spec.timeout_s, stuck,
      repetitions);
  outcome.elapsed_s = elapsed_s;
  outcome.samples = GatherSamples(local_rows, repetitions, comm);
  return outcome;
}

// Measured on a thread of its own; the calling (main) thread watches it.
RunOutcome MeasureOnThread(const RunSpec& spec, MPI_Comm comm, const Environment& env,
                           std::vector<double>& local_rows, MeasureFunction measure) {
  const double start = NowSeconds();
  auto run = std::make_shared<WatchedRun>(spec, env, measure);
  MPI_Comm_dup(comm, run->comm.out());
  std::thread thread([run] {
    AbandonWaitsWhen(&run->control.abandoned);
    try {
      run->outcome = run->measure(run->spec, run->comm.get(), run->env, run->rows, &run->control);
    } catch (...) {
      run->error = std::current_exception();
    }
    std::lock_guard lock(run->mutex);
    run->done = true;
    run->finished.notify_all();
  });
  int hung = WaitForRun(*run) ? 0 : 1;
  MPI_Allreduce(MPI_IN_PLACE, &hung, 1, MPI_INT, MPI_MAX, comm);
  if (hung != 0) return Abandon(run, std::move(thread), comm, NowSeconds() - start, local_rows);
  thread.join();
  run->comm.Reset();
  if (run->error) std::rethrow_exception(run->error);
  local_rows = std::move(run->rows);
  return std::move(run->outcome);
}

// Measured on the calling thread, with a timer that only asks for the stop.
RunOutcome MeasureOnMainThread(const RunSpec& spec, MPI_Comm comm, const Environment& env,
                               std::vector<double>& local_rows, MeasureFunction measure) {
  RunControl control;
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  std::thread timer([&] {
    std::unique_lock lock(mutex);
    if (!finished.wait_for(lock, std::chrono::duration<double>(spec.timeout_s), [&] { return done; }))
      control.stop_requested = true;
  });
  const auto stop_timer = [&] {
    {
      std::lock_guard lock(mutex);
      done = true;
    }
    finished.notify_all();
    timer.join();
  };
  try {
    RunOutcome outcome = measure(spec, comm, env, local_rows, &control);
    stop_timer();
    return outcome;
  } catch (...) {
    stop_timer();
    throw;
  }
}

}  // namespace

double GraceSeconds(double timeout_s) { return std::clamp(0.1 * timeout_s, 1.0, 60.0); }

RunOutcome MeasureWatched(const RunSpec& spec, MPI_Comm comm, const Environment& env,
                          std::vector<double>& local_rows, MeasureFunction measure) {
  return env.granted_thread_level >= MPI_THREAD_MULTIPLE
             ? MeasureOnThread(spec, comm, env, local_rows, measure)
             : MeasureOnMainThread(spec, comm, env, local_rows, measure);
}

std::string LeftBehindWarning(MPI_Comm world) {
  const std::vector<std::string> ids = StillRunning();
  std::string mine;
  if (!ids.empty()) {
    std::string list;
    for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
    mine = fmt::format("rank {} still has the thread of timed-out run(s) {}: it could not be "
                       "stopped and may use a core, inflating this run's times", Rank(world), list);
  }
  return FirstMessage(world, mine);
}

bool RunThreadsLeftBehind(MPI_Comm world) {
  int mine = StillRunning().empty() ? 0 : 1;
  MPI_Allreduce(MPI_IN_PLACE, &mine, 1, MPI_INT, MPI_MAX, world);
  return mine != 0;
}

}  // namespace parlab
