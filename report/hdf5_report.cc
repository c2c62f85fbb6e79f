#include "report/hdf5_report.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/collective.h"
#include "core/files.h"
#include "core/mpi_util.h"
#include "io/fs.h"
#include "io/modes.h"
#include "report/hdf5_ceilings.h"

namespace parlab {
namespace {

std::vector<std::string> SampleColumnNames() {
  return std::vector<std::string>(kSampleColumns.begin(), kSampleColumns.end());
}

struct SummaryRow {
  std::int64_t repetitions;
  double min_s, median_s, max_s, mean_s, stddev_s, ci95_low_s, ci95_high_s;
  std::int64_t outliers;
  double rate, speedup, efficiency, karp_flatt;
};

h5::Handle SummaryType() {
  h5::Handle type(h5::Check(H5Tcreate(H5T_COMPOUND, sizeof(SummaryRow)), "create a compound type"),
                  H5Tclose);
  auto field = [&](const char* name, std::size_t offset, auto member) {
    h5::Check(H5Tinsert(type, name, offset, member), std::string("add field ") + name, 0);
  };
  field("repetitions", HOFFSET(SummaryRow, repetitions), H5T_NATIVE_INT64);
  field("min_s", HOFFSET(SummaryRow, min_s), H5T_NATIVE_DOUBLE);
  field("median_s", HOFFSET(SummaryRow, median_s), H5T_NATIVE_DOUBLE);
  field("max_s", HOFFSET(SummaryRow, max_s), H5T_NATIVE_DOUBLE);
  field("mean_s", HOFFSET(SummaryRow, mean_s), H5T_NATIVE_DOUBLE);
  field("stddev_s", HOFFSET(SummaryRow, stddev_s), H5T_NATIVE_DOUBLE);
  field("ci95_low_s", HOFFSET(SummaryRow, ci95_low_s), H5T_NATIVE_DOUBLE);
  field("ci95_high_s", HOFFSET(SummaryRow, ci95_high_s), H5T_NATIVE_DOUBLE);
  field("outliers", HOFFSET(SummaryRow, outliers), H5T_NATIVE_INT64);
  field("rate", HOFFSET(SummaryRow, rate), H5T_NATIVE_DOUBLE);
  field("speedup", HOFFSET(SummaryRow, speedup), H5T_NATIVE_DOUBLE);
  field("efficiency", HOFFSET(SummaryRow, efficiency), H5T_NATIVE_DOUBLE);
  field("karp_flatt", HOFFSET(SummaryRow, karp_flatt), H5T_NATIVE_DOUBLE);
  return type;
}

void WriteStrings(const h5::Handle& parent, const std::string& name, const std::vector<std::string>& values,
                  const std::vector<hsize_t>& dims, const std::string& description, bool writer) {
  h5::Handle type = h5::StringType(values);
  h5::Handle dataset = h5::CreateDataset(parent, name, type, dims, "1", description);
  const std::vector<char> packed = h5::PackStrings(values, H5Tget_size(type));
  h5::WriteFrom(writer, dataset, type, packed.data());
}

}  // namespace

Hdf5Report::Hdf5Report(MPI_Comm world, std::string output, std::string command_line)
    : world_(world),
      output_(std::move(output)),
      temporary_(output_ + ".tmp"),
      command_line_(std::move(command_line)) {}

void Hdf5Report::RequireRoom(std::uint64_t data_bytes) const {
  std::string error;
  if (Rank(world_) == 0) {
    const std::uint64_t need = 2 * data_bytes + (std::uint64_t{256} << 10);  // + metadata
    const std::uint64_t free = FreeBytes(DirectoryOf(temporary_));
    if (free < need)
      error = fmt::format("report {}: the disk is full ({} bytes free, about {} needed): free "
                          "some space, then continue with --resume (the runs finished so far "
                          "are in the journal)", temporary_, free, need);
  }
  AgreeOrThrow(world_, error);
}

namespace {

// Rank 0 makes <output>.tmp a new regular file of its own (an old one of an earlier attempt
// is removed: PrepareOutputPath made sure it is a regular file), so HDF5 opens nothing
// parlab did not create.
std::string CreateTemporary(const std::string& path) {
  if (FileKind(path) == "a regular file") std::remove(path.c_str());
  std::string error;
  FileDescriptor file = CreateNewFile(path, &error);
  if (file.valid()) error = file.Close(path);
  return error.empty() ? "" : "report " + error;
}

}  // namespace

void Hdf5Report::Begin(const Experiment& experiment, const Environment& env) {
  h5::SilenceErrorStack();
  RequireRoom(0);
  std::string error = Rank(world_) == 0 ? CreateTemporary(temporary_) : "";
  AgreeOrThrow(world_, error);
  try {
    h5::Handle access(h5::Check(H5Pcreate(H5P_FILE_ACCESS), "create file access properties"),
                      H5Pclose);
    h5::Check(H5Pset_fapl_mpio(access, world_, MPI_INFO_NULL), "select the MPI-IO driver", 0);
    file_ = h5::Handle(H5Fcreate(temporary_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access),
                       H5Fclose);
    if (file_.get() < 0) error = fmt::format("cannot create report file {}", temporary_);
  } catch (const std::exception& e) {
    error = fmt::format("report {}: {}", temporary_, e.what());
  }
  AgreeOrThrow(world_, error);

  const std::string created = BroadcastString(world_, UtcNow());
  h5::SetAttribute(file_, "schema_version", kSchemaVersion);
  h5::SetAttribute(file_, "parlab_version", ParlabVersion());
  h5::SetAttribute(file_, "git_sha", GitSha());
  h5::SetAttribute(file_, "created_utc", created);
  h5::SetAttribute(file_, "experiment", experiment.name);
  h5::SetAttribute(file_, "description", experiment.description);
  h5::SetAttribute(file_, "config_path", experiment.config_path);
  h5::SetAttribute(file_, "config_text", experiment.config_text);
  h5::SetAttribute(file_, "command_line", BroadcastString(world_, command_line_));
  h5::SetAttribute(file_, "status", "incomplete: the run was interrupted before it finished");
  h5::SetAttribute(file_, "runs_planned", static_cast<int>(experiment.runs.size()));
  h5::SetAttribute(file_, "seed", static_cast<std::int64_t>(experiment.seed));
  WriteEnvironment(env);
  runs_ = h5::CreateGroup(file_, "runs");
  h5::SetAttribute(runs_, "description", "one group per run, in the order they were measured");
  h5::Check(H5Fflush(file_, H5F_SCOPE_GLOBAL), "flush " + temporary_, 0);
}

void Hdf5Report::WriteEnvironment(const Environment& env) {
  h5::Handle group = h5::CreateGroup(file_, "environment");
  for (const auto& [key, value] : env.fields) h5::SetAttribute(group, key, value);
  const int world_size = Size(world_);
  const int rank = Rank(world_);
  // Each rank writes its own element of the per-rank datasets (a real parallel write).
  struct PerRank {
    const char* name;
    const std::vector<std::string>* values;
    const char* description;
  };
  const PerRank per_rank[] = {
      {"hostnames", &env.hostnames, "host name of each world rank"},
      {"rank_cpus", &env.rank_cpus,
       "CPUs each world rank's main thread may run on (sched_getaffinity)"}};
  for (const auto& [name, values, description] : per_rank) {
    h5::Handle type = h5::StringType(*values);
    h5::Handle dataset = h5::CreateDataset(group, name, type, {static_cast<hsize_t>(world_size)},
                                           "1", description);
    const std::vector<char> mine = h5::PackStrings({(*values)[rank]}, H5Tget_size(type));
    h5::WriteBlock(true, dataset, type, {static_cast<hsize_t>(rank)}, {1}, mine.data());
  }
  WriteCeilingsGroup(group, env.ceilings, rank == 0);
  if (env.node_topologies.empty()) return;  // an environment made up by a test
  WriteStrings(group, "topology", env.node_topologies,
               {static_cast<hsize_t>(env.node_topologies.size())},
               "one JSON document per node (nodes in the order of their lowest world rank): "
               "what hwloc sees, confined to the CPUs the launcher gave the node's ranks, which "
               "placements are planned on; keys summary (one line), host, source, this_system, "
               "machine_pus, restriction, numa_os_index, cores (each: pus = OS CPU indices, "
               "package, numa, l3 = logical indices, -1 when absent)",
               rank == 0);
}

namespace {

// The run's attributes: what it was (spec), how it ended, and the kernel's notes.
void WriteRunAttributes(const h5::Handle& group, const FinishedRun& run) {
  const RunSpec& spec = run.spec;
  const RunOutcome& o = run.outcome;
  h5::SetAttribute(group, "kernel", spec.kernel);
  h5::SetAttribute(group, "model", spec.model);
  h5::SetAttribute(group, "ranks", spec.shape.ranks);
  h5::SetAttribute(group, "threads", spec.shape.threads);
  h5::SetAttribute(group, "nodes", o.nodes);
  h5::SetAttribute(group, "size", static_cast<std::int64_t>(spec.params.size()));
  for (const auto& [name, value] : spec.params.values())
    h5::SetAttribute(group, "param_" + name, FormatParamValue(value));
  h5::SetAttribute(group, "params", spec.params.Text());
  h5::SetAttribute(group, "label", spec.Label());
  h5::SetAttribute(group, "config_block", spec.block);
  h5::SetAttribute(group, "status", kRunStatusNames.Name(o.status));
  h5::SetAttribute(group, "verified", o.status == RunStatus::kOk ? 1 : 0);
  h5::SetAttribute(group, "message", o.message);
  h5::SetAttribute(group, "repetitions", o.repetitions());
  h5::SetAttribute(group, "warmups", spec.warmups);
  // 0: its later blocks skipped the warm-ups (a kernel steady after its setup, comparison.cc).
  h5::SetAttribute(group, "warmups_every_block", o.blocks > 1 && !spec.warms_up_every_block() ? 0 : 1);
  h5::SetAttribute(group, "min_time_s", spec.min_time_s);
  h5::SetAttribute(group, "timeout_s", spec.timeout_s);
  h5::SetAttribute(group, "on_timeout", kOnTimeoutNames.Name(spec.on_timeout));
  h5::SetAttribute(group, "placement", PlacementName(spec.placement));
  h5::SetAttribute(group, "smt", spec.smt ? 1 : 0);
  h5::SetAttribute(group, "placement_doc", PlacementDoc(spec.placement, spec.smt));
  for (const auto& [name, value] : spec.model_info().Describe(spec.options))
    h5::SetAttribute(group, name, value);
  if (spec.io_stage) {
    h5::SetAttribute(group, "io_stage", kIoModeNames.Name(spec.io_stage->mode));
    h5::SetAttribute(group, "io_layout", kIoLayoutNames.Name(spec.io_stage->layout));
    h5::SetAttribute(group, "io_dir", spec.io_stage->dir);
    h5::SetAttribute(group, "io_sync", spec.io_stage->sync ? 1 : 0);
  }
  h5::SetAttribute(group, "work_amount", o.work.amount);
  h5::SetAttribute(group, "work_unit", o.work.unit);
  h5::SetAttribute(group, "rate_unit", o.work.rate_unit);
  h5::SetAttribute(group, "rate_scale", o.work.rate_scale);
  // Only what the kernel counts: the analysis places a run on the roofline when both exist.
  if (o.work.flops > 0) h5::SetAttribute(group, "roofline_flops", o.work.flops);
  if (o.work.bytes > 0) h5::SetAttribute(group, "roofline_bytes", o.work.bytes);
  if (o.work.working_set_bytes > 0)
    h5::SetAttribute(group, "roofline_working_set_bytes", o.work.working_set_bytes);
  for (const auto& [name, text] : o.notes) h5::SetAttribute(group, "note_" + name, text);
  for (const auto& [name, text] : run.result.derived.notes)
    h5::SetAttribute(group, "note_" + name, text);
  h5::SetAttribute(group, "loop_s", o.loop_s);
  h5::SetAttribute(group, "elapsed_s", o.elapsed_s);
  h5::SetAttribute(group, "finished_utc", o.finished_utc);
  h5::SetAttribute(group, "resumed", run.result.resumed ? 1 : 0);
  h5::SetAttribute(group, "oversubscribed", o.oversubscribed ? 1 : 0);
  h5::SetAttribute(group, "warnings", o.warnings);
}

// samples: each rank of the run writes its own [*, rank, *] slab; the others select nothing.
void WriteSamples(const h5::Handle& group, const FinishedRun& run, int world_rank) {
  const hsize_t reps = static_cast<hsize_t>(run.outcome.repetitions());
  const hsize_t ranks = static_cast<hsize_t>(run.outcome.ranks());
  h5::Handle samples = h5::CreateDataset(
      group, "samples", H5T_NATIVE_DOUBLE, {reps, ranks, kColumns}, "s",
      "wall seconds per [repetition][rank][column]; columns (attribute 'columns'): total = "
      "the rank's whole repetition, then time inside each phase: compute, comm (sending, "
      "receiving, posting messages), io (blocking file I/O), wait (for requests or timed "
      "waits), lock_wait (mean seconds a thread waited for the gil model's lock), post "
      "(starting nonblocking I/O with its buffer copy), test (inside MPI_Test progress "
      "calls), idle (waiting for other ranks after this rank's own part), sync (MPI_File_sync "
      "or H5Fflush on the critical path: the device wait). Warm-ups are not included.");
  h5::SetAttribute(samples, "columns", SampleColumnNames());
  if (reps == 0) return;
  const bool mine = world_rank < run.outcome.ranks() && run.local_rows.size() == reps * kColumns;
  h5::WriteBlock(mine, samples, H5T_NATIVE_DOUBLE,
                 {0, static_cast<hsize_t>(mine ? world_rank : 0), 0}, {reps, 1, kColumns},
                 mine ? run.local_rows.data() : nullptr);
}

void WriteStatistics(const h5::Handle& group, const FinishedRun& run, bool root) {
  const RunResult& r = run.result;
  const hsize_t reps = static_cast<hsize_t>(run.outcome.repetitions());
  h5::Handle cell = h5::CreateDataset(
      group, "cell_time", H5T_NATIVE_DOUBLE, {reps}, "s",
      "per repetition, the slowest rank's total: max over ranks of samples[rep][rank][0]");
  if (reps > 0) h5::WriteFrom(root, cell, H5T_NATIVE_DOUBLE, r.cell_times.data());
  h5::Handle phases = h5::CreateDataset(
      group, "phase_time", H5T_NATIVE_DOUBLE, {kColumns}, "s",
      "per column of samples (attribute 'columns'): median over repetitions of the slowest "
      "rank's time");
  h5::SetAttribute(phases, "columns", SampleColumnNames());
  h5::WriteFrom(root, phases, H5T_NATIVE_DOUBLE, r.phase_medians.data());
  h5::Handle type = SummaryType();
  h5::Handle summary = h5::CreateDataset(
      group, "summary", type, {}, "s for *_s fields; rate in rate_unit; others 1",
      "statistics of cell_time: min/median/max/mean/stddev, 95% confidence interval of the "
      "mean (Student t), outliers beyond Tukey's 1.5 IQR fences; rate = work_amount / "
      "median_s / rate_scale; speedup = serial median / median (NaN without a serial run "
      "of the same kernel, parameters, size and placement); efficiency = speedup / "
      "(ranks x threads); karp_flatt = (1/speedup - 1/p) / (1 - 1/p)");
  h5::SetAttribute(summary, "rate_unit", run.outcome.work.rate_unit);
  h5::SetAttribute(summary, "better",
                   "lower: *_s, outliers, karp_flatt; higher: rate, speedup, efficiency");
  const SummaryRow row{r.time.count,    r.time.min,    r.time.median,   r.time.max,
                       r.time.mean,     r.time.stddev, r.time.ci95_low, r.time.ci95_high,
                       r.time.outliers, r.rate,        r.speedup,       r.efficiency,
                       r.karp_flatt};
  h5::WriteFrom(root, summary, type, &row);
}

// Where each repetition sits in the measuring order, and the 95 % intervals of the median
// and of the speedup (harness/intervals.h), with why the run stopped where it did.
void WriteMeasuringOrder(const h5::Handle& group, const FinishedRun& run, bool root) {
  const RunOutcome& o = run.outcome;
  const std::size_t reps = static_cast<std::size_t>(o.repetitions());
  std::vector<RepetitionMark> marks = o.marks;
  marks.resize(reps);
  std::vector<int> rounds;
  std::vector<double> started, steal, mhz;
  for (const RepetitionMark& m : marks) {
    rounds.push_back(m.round);
    started.push_back(m.started_s);
    steal.push_back(m.steal);
    mhz.push_back(m.cpu_mhz);
  }
  const hsize_t n = reps;
  const auto write = [&](const char* name, hid_t type, const char* unit, const char* text,
                         const void* data) {
    h5::Handle dataset = h5::CreateDataset(group, name, type, {n}, unit, text);
    if (n > 0) h5::WriteFrom(root, dataset, type, data);
  };
  write("round", H5T_NATIVE_INT, "1",
        "0-based round in which each repetition was measured: every run of a comparison "
        "(the runs of one [[run]] table) measures one repetition per round, in an "
        "order shuffled from the root attribute 'seed'", rounds.data());
  write("started_utc_s", H5T_NATIVE_DOUBLE, "s",
        "when each repetition started, seconds since the Unix epoch (0: unknown)", started.data());
  write("steal", H5T_NATIVE_DOUBLE, "1",
        "share of the machine's CPU time taken by the hypervisor during the repetition's "
        "round (/proc/stat steal)", steal.data());
  write("cpu_mhz", H5T_NATIVE_DOUBLE, "MHz",
        "mean clock of the online CPUs during the repetition's round (cpufreq, else "
        "/proc/cpuinfo); 0 = unknown", mhz.data());
  const RunResult& r = run.result;
  h5::SetAttribute(group, "stop_reason", kStopReasonNames.Name(o.stop_reason));
  h5::SetAttribute(group, "blocks", o.blocks);
  h5::SetAttribute(group, "precision", run.spec.precision);
  h5::SetAttribute(group, "max_time_s", run.spec.max_time_s);
  h5::SetAttribute(group, "interleave", run.spec.interleave ? 1 : 0);
  h5::SetAttribute(group, "median_low_s", r.time_interval.low);
  h5::SetAttribute(group, "median_high_s", r.time_interval.high);
  h5::SetAttribute(group, "speedup_low", r.speedup_interval.low);
  h5::SetAttribute(group, "speedup_high", r.speedup_interval.high);
  h5::SetAttribute(group, "intervals_covered",
                   r.time_interval.covered && r.speedup_interval.covered ? 1 : 0);
}

// The kernel's figures, then those derived across runs (e.g. overlap).
void WriteResults(const h5::Handle& group, const FinishedRun& run, bool root) {
  h5::Handle results = h5::CreateGroup(group, "results");
  h5::SetAttribute(results, "description",
                   "figures the kernel computed in its last repetition; a dataset with summed = 1 "
                   "adds up every repetition of every block (e.g. lost_updates)");
  for (const auto* list : {&run.outcome.results, &run.result.derived.results}) {
    for (const KernelResult& k : *list) {
      h5::Handle dataset = h5::CreateDataset(results, k.name, H5T_NATIVE_DOUBLE, {}, k.unit,
                                             k.description);
      h5::WriteFrom(root, dataset, H5T_NATIVE_DOUBLE, &k.value);
      h5::SetAttribute(dataset, "summed", k.summed ? 1 : 0);
    }
  }
}

void WritePlacement(const h5::Handle& group, const FinishedRun& run, bool root) {
  const RunOutcome& o = run.outcome;
  if (o.cpu_sets.empty()) return;
  const std::vector<hsize_t> dims = {static_cast<hsize_t>(run.spec.shape.ranks),
                                     static_cast<hsize_t>(run.spec.shape.threads)};
  WriteStrings(group, "cpu_sets", o.cpu_sets, dims,
               "CPUs each [rank][thread] may run on, measured inside the team "
               "(sched_getaffinity)",
               root);
  h5::Handle places = h5::CreateDataset(group, "places", H5T_NATIVE_INT, dims, "1",
                                        "omp_get_place_num() of each [rank][thread]; -1 = "
                                        "threads not bound to places");
  h5::WriteFrom(root, places, H5T_NATIVE_INT, o.places.data());
}

}  // namespace

void Hdf5Report::RunFinished(const FinishedRun& run) {
  RequireRoom(run.outcome.samples.values().size() * sizeof(double));
  const bool root = Rank(world_) == 0;
  h5::Handle group = h5::CreateGroup(runs_, run.spec.id);
  WriteRunAttributes(group, run);
  if (run.result.resumed) ++resumed_;
  WriteSamples(group, run, Rank(world_));
  WriteStatistics(group, run, root);
  WriteResults(group, run, root);
  WritePlacement(group, run, root);
  WriteMeasuringOrder(group, run, root);
  group.CloseOrThrow("close group " + run.spec.id);
  h5::Check(H5Fflush(file_, H5F_SCOPE_GLOBAL), "flush " + temporary_, 0);
}

void Hdf5Report::End(bool complete, const std::string& reason) {
  h5::SetAttribute(file_, "status", complete ? std::string("complete") : "partial: " + reason);
  h5::SetAttribute(file_, "finished_utc", BroadcastString(world_, UtcNow()));
  h5::SetAttribute(file_, "runs_resumed", resumed_);
  runs_.CloseOrThrow("close /runs");
  std::string error;
  try {
    file_.CloseOrThrow("close " + temporary_);
  } catch (const std::exception& e) {
    error = e.what();
  }
  AgreeOrThrow(world_, error);
  if (Rank(world_) == 0) {
    // Checked before any work; checked again, since the experiment may have run for hours.
    if (const std::string kind = CheckReplaceable(output_); !kind.empty())
      error = fmt::format("cannot rename {} to {}: that is now {}, which parlab does not replace",
                          temporary_, output_, kind);
    else if (std::rename(temporary_.c_str(), output_.c_str()) != 0)
      error = fmt::format("cannot rename {} to {}: {}", temporary_, output_, std::strerror(errno));
  }
  AgreeOrThrow(world_, error);
}

}  // namespace parlab
