#include "harness/engine.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "harness/interrupt.h"
#include "io/checkpoint.h"
#include "io/probe.h"
#include "models/model.h"
#include "harness/overlap.h"
#include "core/mpi_util.h"
#include "harness/watchdog.h"

namespace parlab {
namespace {

constexpr int kColumns = kPhaseCount + 1;

std::string PlacementText(const std::vector<ThreadPlacement>& placements) {
  std::string text;
  for (const auto& p : placements) text += std::to_string(p.place) + ":" + p.cpus + ";";
  return text;
}

// Warns when the threads of a node's ranks outnumber its cores, or a rank's threads are
// confined to fewer CPUs than there are threads (e.g. mpirun's default --bind-to core).
std::string OversubscriptionWarning(MPI_Comm comm, const Shape& shape, int cores_online,
                                    const std::vector<ThreadPlacement>& placements) {
  const std::vector<int> leaders = NodeLeaders(comm);
  const int on_node = static_cast<int>(
      std::count(leaders.begin(), leaders.end(), leaders[static_cast<std::size_t>(Rank(comm))]));
  std::string local;
  if (on_node * shape.threads > cores_online) {
    const char* policy = std::getenv("OMP_WAIT_POLICY");
    const bool passive = policy != nullptr && std::string(policy) == "passive";
    local = fmt::format("{}{} ranks x {} threads on {} exceed its {} cores{}", kOversubscribed,
                        on_node, shape.threads, Hostname(), cores_online,
                        passive ? "" : " (and OMP_WAIT_POLICY is not passive: spinning "
                                       "threads inflate these times)");
  }
  std::set<std::string> cpus;
  int confined_to = 0;
  for (const auto& p : placements) {
    if (cpus.insert(p.cpus).second) confined_to += p.cpu_count;
  }
  if (local.empty() && cpus.size() == 1 && confined_to < shape.threads) {
    local = fmt::format(
        "{}rank {}'s {} threads share {} CPU(s) ({}); launch with "
        "'mpirun --bind-to none' or give each rank more cores",
        kOversubscribed, Rank(comm), shape.threads, confined_to, *cpus.begin());
  }
  return FirstMessage(comm, local);
}

nlohmann::json ToJson(const RunRecord& r) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& k : r.results)
    results.push_back({{"name", k.name}, {"value", k.value}, {"unit", k.unit},
                       {"description", k.description}});
  return {{"status", r.status},       {"message", r.message},
          {"repetitions", r.repetitions}, {"ranks", r.ranks},
          {"samples", r.samples},     {"work_amount", r.work.amount},
          {"work_unit", r.work.unit}, {"rate_unit", r.work.rate_unit},
          {"rate_scale", r.work.rate_scale}, {"results", results},
          {"cpu_sets", r.cpu_sets},   {"places", r.places},
          {"warnings", r.warnings},   {"loop_s", r.loop_s},         {"notes", r.notes},
          {"elapsed_s", r.elapsed_s},    {"nodes", r.nodes},
          {"finished_utc", r.finished_utc}};
}

void FromJson(const nlohmann::json& j, RunRecord& r) {
  r.status = j.at("status");
  r.message = j.at("message");
  r.repetitions = j.at("repetitions");
  r.ranks = j.at("ranks");
  r.samples = j.at("samples").get<std::vector<double>>();
  r.work = {j.at("work_amount"), j.at("work_unit"), j.at("rate_unit"), j.at("rate_scale")};
  r.results.clear();
  for (const auto& k : j.at("results"))
    r.results.push_back({k.at("name"), k.at("value").is_null() ? std::nan("") : k.at("value").get<double>(),
                         k.at("unit"), k.at("description")});
  r.cpu_sets = j.at("cpu_sets").get<std::vector<std::string>>();
  r.places = j.at("places").get<std::vector<int>>();
  r.warnings = j.at("warnings").get<std::vector<std::string>>();
  r.loop_s = j.at("loop_s");
  r.notes = j.at("notes").get<std::map<std::string, std::string>>();
  r.elapsed_s = j.at("elapsed_s");
  r.nodes = j.at("nodes");
  r.finished_utc = j.at("finished_utc");
}

// The optional checkpoint stage after each repetition: blocking modes write the kernel's
// state at once; nonblocking posts it and completes it during the next repetition.
class IoStage {
 public:
  IoStage(const RunSpec& spec, MPI_Comm comm, const Kernel& kernel) : spec_(spec), kernel_(kernel) {
    if (spec.io_stage == "none") return;
    const std::span<const std::byte> data = kernel.CheckpointData();
    AgreeOrThrow(comm, data.empty() ? "io_stage: kernel '" + spec.kernel +
                                          "' has no state to checkpoint (use dgemm, triad or stencil)"
                                    : "");
    IoOptions options;
    options.mode = spec.io_stage;
    options.layout = spec.io_layout;
    options.dir = spec.io_dir;
    options.sync = spec.io_sync;
    snapshot_.resize(data.size());
    file_ = std::make_unique<CheckpointFile>(comm, options, data.size());
  }

  bool active() const { return file_ != nullptr; }

  // After each repetition's compute, inside its timing.
  void AfterRepetition(PhaseTimer& timer) {
    if (!file_) return;
    const std::span<const std::byte> data = kernel_.CheckpointData();
    if (spec_.io_stage != "nonblocking") {
      auto scope = timer.Measure(Phase::kIo);
      file_->Write(data.data());
      if (spec_.io_sync) file_->Sync();
      return;
    }
    Complete(timer);
    auto scope = timer.Measure(Phase::kPost);
    std::copy(data.begin(), data.end(), snapshot_.begin());
    file_->Post(snapshot_.data());
    pending_ = true;
  }

  // Completes the previous repetition's nonblocking write.
  void Complete(PhaseTimer& timer) {
    if (!pending_) return;
    auto scope = timer.Measure(Phase::kWait);
    file_->Wait();
    if (spec_.io_sync) file_->Sync();
    pending_ = false;
  }

  // Reads the last checkpoint back; empty when it matches what was written.
  std::string Verify() {
    if (!file_) return "";
    PhaseTimer untimed;
    Complete(untimed);
    std::vector<std::byte> back(snapshot_.size());
    file_->ReadBack(back.data());
    const std::span<const std::byte> data = kernel_.CheckpointData();
    const bool same = spec_.io_stage == "nonblocking"
                          ? back == snapshot_
                          : std::equal(back.begin(), back.end(), data.begin(), data.end());
    return same ? "" : "io_stage: the checkpoint read back from " + file_->path() +
                           " differs from what was written";
  }

 private:
  const RunSpec& spec_;
  const Kernel& kernel_;
  std::unique_ptr<CheckpointFile> file_;
  std::vector<std::byte> snapshot_;
  bool pending_ = false;
};

}  // namespace

double RunRecord::Sample(int rep, int rank, int column) const {
  return samples[(static_cast<std::size_t>(rep) * ranks + rank) * kColumns + column];
}

bool RunRecord::Oversubscribed() const {
  return std::any_of(warnings.begin(), warnings.end(),
                     [](const std::string& w) { return w.starts_with(kOversubscribed); });
}

std::vector<double> RunRecord::RowsOfRank(int rank) const {
  std::vector<double> rows;
  if (rank >= ranks) return rows;
  for (int rep = 0; rep < repetitions; ++rep)
    for (int c = 0; c < kColumns; ++c) rows.push_back(Sample(rep, rank, c));
  return rows;
}

std::vector<double> RunRecord::SlowestPerRepetition(int column) const {
  std::vector<double> values(static_cast<std::size_t>(repetitions), 0.0);
  for (int rep = 0; rep < repetitions; ++rep)
    for (int rank = 0; rank < ranks; ++rank)
      values[rep] = std::max(values[rep], Sample(rep, rank, column));
  return values;
}

RunRecord MeasureRun(const RunSpec& spec, MPI_Comm comm, const Environment& env,
                     std::vector<double>& local_rows, RunControl* control) {
  const double run_start = MPI_Wtime();
  RunRecord record;
  record.spec = &spec;
  record.ranks = Size(comm);
  const int rank = Rank(comm);
  local_rows.clear();

  const ExecutionModel* model = FindModel(spec.model);
  std::unique_ptr<WorkerLock> lock = model->MakeLock(spec.shape.threads, spec.options);
  Team team(spec.shape.threads, lock.get(), model->event_loop());
  std::unique_ptr<Kernel> kernel = FindKernel(spec.kernel)->make();
  RunContext ctx{comm, rank, record.ranks, team};

  const std::vector<ThreadPlacement> placements = team.Placements();
  const std::string warning =
      OversubscriptionWarning(comm, spec.shape, env.cores_online, placements);
  if (!warning.empty()) record.warnings.push_back(warning);
  for (const std::string& text : AllGatherStrings(comm, PlacementText(placements))) {
    std::size_t start = 0;
    for (std::size_t end; (end = text.find(';', start)) != std::string::npos; start = end + 1) {
      const std::string item = text.substr(start, end - start);
      const auto colon = item.find(':');
      record.places.push_back(std::stoi(item.substr(0, colon)));
      record.cpu_sets.push_back(item.substr(colon + 1));
    }
  }
  if (control != nullptr) control->SetPlacement(record);
  const auto enter = [&](const std::string& stage) {
    if (control != nullptr) control->Enter(stage);
  };

  bool timed_out = false;
  try {
    enter("setup");
    std::string error;
    try {
      kernel->Setup(spec.params, ctx);
    } catch (const std::exception& e) {
      error = fmt::format("setup failed: {}", e.what());
    }
    AgreeOrThrow(comm, error);
    IoStage stage(spec, comm, *kernel);

    // Warm-ups and measured repetitions share one loop, so a failure in either reaches
    // every rank through the same reduction.
    PhaseTimer timer;
    double measured = 0;
    double loop_start = MPI_Wtime();
    for (int iteration = 0;; ++iteration) {
      const bool warmup = iteration < spec.warmups;
      const int rep = iteration - spec.warmups;
      if (rep == 0) loop_start = MPI_Wtime();
      enter(warmup ? fmt::format("warm-up {}", iteration + 1) : fmt::format("repetition {}", rep + 1));
      timer.Reset();
      team.TakeMeanLockWaitSeconds();
      std::string run_error;
      BarrierOrAbandon(comm);
      const double start = MPI_Wtime();
      try {
        kernel->Run(timer);
      } catch (const CollectiveError&) {
        throw;  // every rank has it already
      } catch (const std::exception& e) {
        run_error = warmup ? fmt::format("warm-up {} failed: {}", iteration + 1, e.what())
                           : fmt::format("repetition {} failed: {}", rep + 1, e.what());
      }
      if (stage.active()) {
        // The stage is collective: every rank must know of a failure before entering it.
        AgreeOrThrow(comm, run_error);
        stage.AfterRepetition(timer);
      }
      const double total = MPI_Wtime() - start;
      // One reduction finds the slowest rank and tells every rank about failures, stop
      // signals and the watchdog's deadline.
      double worst[4] = {total, run_error.empty() ? 0.0 : 1.0,
                         static_cast<double>(LocalStopSignal()),
                         control != nullptr && control->stop_requested ? 1.0 : 0.0};
      MaxOrAbandon(comm, worst, 4);
      if (worst[1] > 0) AgreeOrThrow(comm, run_error);
      if (worst[2] > 0) throw Interrupted(static_cast<int>(worst[2]));
      timed_out = worst[3] > 0;
      if (warmup) {
        if (timed_out) break;
        continue;
      }
      local_rows.push_back(total);
      for (int p = 0; p < kPhaseCount; ++p) {
        const auto phase = static_cast<Phase>(p);
        // lock_wait: the model's lock, or a wait the kernel measured itself (CPython's GIL).
        local_rows.push_back(timer.Get(phase) +
                             (phase == Phase::kLockWait ? team.TakeMeanLockWaitSeconds() : 0.0));
      }
      if (control != nullptr) control->AddRow(&local_rows[local_rows.size() - kColumns], kColumns);
      measured += worst[0];
      record.cell_times.push_back(worst[0]);
      const int done = rep + 1;
      if (timed_out || done >= spec.max_repetitions) break;
      if (done >= spec.repetitions && measured >= spec.min_time_s) break;
    }
    record.repetitions = static_cast<int>(record.cell_times.size());
    record.loop_s = MPI_Wtime() - loop_start;

    enter("verification");
    const std::string stage_error = stage.Verify();
    const Verification verification = kernel->Verify();
    record.status = verification.passed && stage_error.empty() ? "ok" : "failed";
    record.message = verification.message + (stage_error.empty() ? "" : "; " + stage_error);
    if (timed_out) {
      record.status = "timeout";
      record.message = fmt::format("stopped after {} of {} repetitions: the run reached "
                                   "timeout_s = {} s; {}", record.repetitions, spec.repetitions,
                                   spec.timeout_s, record.message);
    }
    record.work = kernel->work();
    record.results = kernel->Results();
    record.notes = kernel->Notes();
  } catch (const Interrupted&) {
    throw;  // agreed by every rank of comm: the engine stops the experiment
  } catch (const RunAbandoned&) {
    throw;  // the other ranks have moved on: no more collectives on comm
  } catch (const std::exception& e) {
    record.status = "error";
    record.message = e.what();
    record.repetitions = static_cast<int>(record.cell_times.size());
    local_rows.resize(static_cast<std::size_t>(record.repetitions) * kColumns);
  }

  record.elapsed_s = MPI_Wtime() - run_start;
  GatherSamples(record, local_rows, comm);
  return record;
}

void GatherSamples(RunRecord& record, const std::vector<double>& local_rows, MPI_Comm comm) {
  const std::size_t per_rank = static_cast<std::size_t>(record.repetitions) * kColumns;
  record.samples.assign(per_rank * record.ranks, 0.0);
  std::vector<double> gathered(per_rank * record.ranks);
  MPI_Gather(local_rows.data(), static_cast<int>(per_rank), MPI_DOUBLE, gathered.data(),
             static_cast<int>(per_rank), MPI_DOUBLE, 0, comm);
  // Gathered as [rank][rep][column]; stored as [rep][rank][column].
  for (int r = 0; r < record.ranks; ++r)
    for (int rep = 0; rep < record.repetitions; ++rep)
      for (int c = 0; c < kColumns; ++c)
        record.samples[(static_cast<std::size_t>(rep) * record.ranks + r) * kColumns + c] =
            gathered[static_cast<std::size_t>(r) * per_rank + rep * kColumns + c];
}

void Derive(RunRecord& r, double serial_median) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  r.cell_times = r.SlowestPerRepetition(0);
  r.phase_medians.assign(kColumns, nan);
  for (int c = 0; c < kColumns && r.repetitions > 0; ++c)
    r.phase_medians[c] = Summarize(r.SlowestPerRepetition(c)).median;
  if (r.repetitions == 0) {
    r.time = Summary{};
    r.time.min = r.time.median = r.time.max = r.time.mean = nan;
    r.rate = r.speedup = r.efficiency = r.karp_flatt = nan;
    return;
  }
  r.time = Summarize(r.cell_times);
  // An abandoned run never learnt its kernel's work (empty unit): no rate.
  r.rate = r.time.median > 0 && !r.work.unit.empty()
               ? r.work.amount / r.time.median / r.work.rate_scale : nan;
  if (r.spec->model == "serial" && r.status == "ok") serial_median = r.time.median;
  r.speedup = Speedup(serial_median, r.time.median);
  const int workers = r.spec->shape.workers();
  r.efficiency = Efficiency(r.speedup, workers);
  r.karp_flatt = KarpFlatt(r.speedup, workers);
}

std::optional<std::string> Engine::Measure(const RunSpec& spec, const Environment& env,
                                           std::vector<double>& local_rows) {
  const int world_rank = Rank(world_);
  const int ranks = spec.shape.ranks;
  if (comms_.find(ranks) == comms_.end()) {
    MPI_Comm raw = MPI_COMM_NULL;
    MPI_Comm_split(world_, world_rank < ranks ? 0 : MPI_UNDEFINED, world_rank, &raw);
    comms_.emplace(ranks, CommHandle(raw));
  }
  const std::string left_behind = LeftBehindWarning(world_);
  RunRecord record;
  if (world_rank < ranks) {
    try {
      record = MeasureWatched(spec, comms_.at(ranks).get(), env, local_rows);
    } catch (const Interrupted&) {
      // The run is dropped; the world-wide agreement below stops the experiment.
    }
  }
  IdleBarrier(world_);
  stop_signal_ = AgreedStopSignal(world_);
  if (stop_signal_ != 0) return std::nullopt;
  std::string payload;
  if (world_rank == 0) {
    if (!left_behind.empty()) record.warnings.push_back(left_behind);
    record.nodes = static_cast<int>(
        std::set<std::string>(env.hostnames.begin(), env.hostnames.begin() + ranks).size());
    record.finished_utc = UtcNow();
    payload = ToJson(record).dump();
  }
  payload = BroadcastString(world_, payload);
  if (recovery_.journal != nullptr) recovery_.journal->Append(spec, payload);
  return payload;
}

int Engine::Run() {
  Environment env = env_;
  // Experiments with I/O runs first probe what this MPI library's nonblocking I/O can do.
  for (const RunSpec& spec : experiment_.runs) {
    if (spec.kernel != "io") continue;
    for (auto& fact : ProbeNonblockingIo(world_, spec.params.String("dir")))
      env.fields.push_back(std::move(fact));
    break;
  }
  for (Reporter* reporter : reporters_) reporter->Begin(experiment_, env);
  std::map<std::string, double> serial_medians;
  OverlapTracker overlaps;
  int not_ok = 0;
  const auto end = [&](bool complete, const std::string& reason) {
    for (Reporter* reporter : reporters_) reporter->End(complete, reason);
    return not_ok;
  };
  for (const RunSpec& spec : experiment_.runs) {
    for (Reporter* reporter : reporters_) reporter->RunStarted(spec);
    std::vector<double> local_rows;
    const auto resumed = recovery_.resumed.find(spec.id);
    const std::optional<std::string> payload =
        resumed != recovery_.resumed.end() ? resumed->second : Measure(spec, env, local_rows);
    if (!payload)
      return end(false, fmt::format("interrupted by {} after {} of {} runs",
                                    SignalName(stop_signal_), spec.index, experiment_.runs.size()));

    RunRecord record;
    FromJson(nlohmann::json::parse(*payload), record);
    record.spec = &spec;
    record.resumed = resumed != recovery_.resumed.end();
    if (record.resumed) local_rows = record.RowsOfRank(Rank(world_));
    auto serial = serial_medians.find(spec.Label());
    Derive(record, serial == serial_medians.end() ? std::nan("") : serial->second);
    if (spec.model == "serial" && record.status == "ok")
      serial_medians[spec.Label()] = record.time.median;
    overlaps.Observe(record);
    if (record.status != "ok") ++not_ok;
    for (Reporter* reporter : reporters_) reporter->RunFinished(record, local_rows);
    if (record.status == "timeout" && spec.on_timeout == "stop" && !record.resumed) {
      stopped_by_ = spec.id;
      return end(false, fmt::format("stopped after {} timed out (on_timeout = \"stop\")", spec.id));
    }
  }
  return end(true, "");
}

}  // namespace parlab
