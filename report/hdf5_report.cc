#include "report/hdf5_report.h"

#include <fmt/format.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "io/checkpoint.h"
#include "core/mpi_util.h"

namespace parlab {
namespace {

constexpr int kColumns = kPhaseCount + 1;

struct SummaryRow {
  std::int64_t repetitions;
  double min_s, median_s, max_s, mean_s, stddev_s, ci95_low_s, ci95_high_s;
  std::int64_t outliers;
  double rate, speedup, efficiency, karp_flatt;
};

h5::Handle SummaryType() {
  h5::Handle type(h5::Check(H5Tcreate(H5T_COMPOUND, sizeof(SummaryRow)), "create a compound type"),
                  H5Tclose);
  auto field = [&](const char* name, std::size_t offset, hid_t member) {
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

void WriteStrings(hid_t parent, const std::string& name, const std::vector<std::string>& values,
                  const std::vector<hsize_t>& dims, const std::string& description, bool writer) {
  h5::Handle type = h5::StringType(values);
  h5::Handle dataset = h5::CreateDataset(parent, name, type, dims, "1", description);
  const std::vector<char> packed = h5::PackStrings(values, H5Tget_size(type));
  h5::WriteFrom(writer, dataset, type, packed.data());
}

// Zombies count as gone: a killed rank whose parent (mpirun) has exited may wait for a
// long time to be reaped, and it will never write again.
bool ProcessIsRunning(long pid) {
  if (pid <= 0 || (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() || text[paren + 2] != 'Z';
}

}  // namespace

void PrepareOutputPath(MPI_Comm world, const std::string& output) {
  std::string error;
  if (Rank(world) == 0) {
    namespace fs = std::filesystem;
    const fs::path parent = fs::path(output).parent_path();
    std::error_code code;
    if (!parent.empty() && !fs::is_directory(parent, code)) {
      fs::create_directories(parent, code);
      if (code)
        error = fmt::format("output {}: cannot create directory {}: {}", output, parent.string(),
                            code.message());
    }
    if (error.empty() && fs::is_directory(output, code))
      error = fmt::format("output {}: is a directory", output);
    if (error.empty() && access(parent.empty() ? "." : parent.c_str(), W_OK) != 0)
      error = fmt::format("output {}: directory {} is not writable: {}", output,
                          parent.empty() ? "." : parent.string(), std::strerror(errno));
  }
  AgreeOrThrow(world, error);
}

OutputLock::OutputLock(MPI_Comm world, const std::string& output) : path_(output + ".lock") {
  std::string error;
  if (Rank(world) == 0) {
    const std::string me = Hostname() + " " + std::to_string(getpid());
    for (int attempt = 0; attempt < 2 && !owner_ && error.empty(); ++attempt) {
      const int fd = open(path_.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
      if (fd >= 0) {
        const bool written = write(fd, me.data(), me.size()) == static_cast<ssize_t>(me.size());
        close(fd);
        owner_ = true;
        if (!written) error = fmt::format("cannot write lock file {}", path_);
        break;
      }
      if (errno != EEXIST) {
        error = fmt::format("output {}: cannot create lock file {}: {}", output, path_,
                            std::strerror(errno));
        break;
      }
      std::ifstream in(path_);
      std::string host;
      long pid = 0;
      in >> host >> pid;
      const bool stale = host == Hostname() && pid > 0 && !ProcessIsRunning(pid);
      if (stale && attempt == 0) {
        std::remove(path_.c_str());  // its writer is gone: take over
        continue;
      }
      error = fmt::format("output {} is being written by another parlab (pid {} on {}; lock file "
                          "{}): choose another --output, or remove the lock if that job is gone",
                          output, pid, host, path_);
    }
  }
  AgreeOrThrow(world, error);
}

OutputLock::~OutputLock() {
  if (owner_) std::remove(path_.c_str());
}

Hdf5Report::Hdf5Report(MPI_Comm world, std::string output, std::string command_line)
    : world_(world),
      output_(std::move(output)),
      temporary_(output_ + ".tmp"),
      command_line_(std::move(command_line)) {}

void Hdf5Report::RequireRoom(std::uint64_t data_bytes) const {
  std::string error;
  if (Rank(world_) == 0) {
    const std::filesystem::path dir = std::filesystem::path(temporary_).parent_path();
    const std::uint64_t need = 2 * data_bytes + (std::uint64_t{256} << 10);  // + metadata
    const std::uint64_t free = FreeBytes(dir.empty() ? "." : dir.string());
    if (free < need)
      error = fmt::format("report {}: the disk is full ({} bytes free, about {} needed): free "
                          "some space, then continue with --resume (the runs finished so far "
                          "are in the journal)", temporary_, free, need);
  }
  AgreeOrThrow(world_, error);
}

void Hdf5Report::Begin(const Experiment& experiment, const Environment& env) {
  h5::SilenceErrorStack();
  RequireRoom(0);
  std::string error;
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
}

void Hdf5Report::RunFinished(const RunRecord& r, const std::vector<double>& local_rows) {
  RequireRoom(r.samples.size() * sizeof(double));
  const RunSpec& spec = *r.spec;
  const bool root = Rank(world_) == 0;
  h5::Handle group = h5::CreateGroup(runs_, spec.id);
  h5::SetAttribute(group, "kernel", spec.kernel);
  h5::SetAttribute(group, "model", spec.model);
  h5::SetAttribute(group, "ranks", spec.shape.ranks);
  h5::SetAttribute(group, "threads", spec.shape.threads);
  h5::SetAttribute(group, "nodes", r.nodes);
  h5::SetAttribute(group, "size", static_cast<std::int64_t>(spec.params.size()));
  std::string params_text;
  for (const auto& [name, value] : spec.params.values()) {
    h5::SetAttribute(group, "param_" + name, FormatParamValue(value));
    params_text += (params_text.empty() ? "" : ",") + name + "=" + FormatParamValue(value);
  }
  h5::SetAttribute(group, "params", params_text);
  h5::SetAttribute(group, "label", spec.Label());
  h5::SetAttribute(group, "config_block", spec.block);
  h5::SetAttribute(group, "status", r.status);
  h5::SetAttribute(group, "verified", r.status == "ok" ? 1 : 0);
  h5::SetAttribute(group, "message", r.message);
  h5::SetAttribute(group, "repetitions", r.repetitions);
  h5::SetAttribute(group, "warmups", spec.warmups);
  h5::SetAttribute(group, "min_time_s", spec.min_time_s);
  h5::SetAttribute(group, "timeout_s", spec.timeout_s);
  h5::SetAttribute(group, "on_timeout", spec.on_timeout);
  if (spec.model == "gil") h5::SetAttribute(group, "gil_interval_s", spec.options.gil_interval_s);
  h5::SetAttribute(group, "work_amount", r.work.amount);
  h5::SetAttribute(group, "work_unit", r.work.unit);
  h5::SetAttribute(group, "rate_unit", r.work.rate_unit);
  h5::SetAttribute(group, "rate_scale", r.work.rate_scale);
  for (const auto& [name, text] : r.notes) h5::SetAttribute(group, "note_" + name, text);
  h5::SetAttribute(group, "loop_s", r.loop_s);
  h5::SetAttribute(group, "elapsed_s", r.elapsed_s);
  h5::SetAttribute(group, "finished_utc", r.finished_utc);
  h5::SetAttribute(group, "resumed", r.resumed ? 1 : 0);
  if (r.resumed) ++resumed_;
  h5::SetAttribute(group, "oversubscribed", r.Oversubscribed() ? 1 : 0);
  h5::SetAttribute(group, "warnings", r.warnings);

  const hsize_t reps = static_cast<hsize_t>(r.repetitions);
  const hsize_t ranks = static_cast<hsize_t>(r.ranks);
  {
    h5::Handle samples = h5::CreateDataset(
        group, "samples", H5T_NATIVE_DOUBLE, {reps, ranks, kColumns}, "s",
        "wall seconds per [repetition][rank][column]; columns (attribute 'columns'): total = "
        "the rank's whole repetition, then time inside each phase: compute, comm (sending, "
        "receiving, posting messages), io (blocking file I/O), wait (for requests or timed "
        "waits), lock_wait (mean seconds a thread waited for the gil model's lock), post "
        "(starting nonblocking I/O with its buffer copy), test (inside MPI_Test progress "
        "calls), idle (waiting for other ranks after this rank's own part). Warm-ups are not "
        "included.");
    std::vector<std::string> columns(kSampleColumns.begin(), kSampleColumns.end());
    h5::SetAttribute(samples, "columns", columns);
    if (reps > 0) {
      // Each rank of the run writes its own [*, rank, *] slab; the others select nothing.
      const int rank = Rank(world_);
      const bool mine = rank < r.ranks && local_rows.size() == reps * kColumns;
      h5::WriteBlock(mine, samples, H5T_NATIVE_DOUBLE, {0, static_cast<hsize_t>(mine ? rank : 0), 0},
                     {reps, 1, kColumns}, mine ? local_rows.data() : nullptr);
    }
  }
  {
    h5::Handle cell = h5::CreateDataset(
        group, "cell_time", H5T_NATIVE_DOUBLE, {reps}, "s",
        "per repetition, the slowest rank's total: max over ranks of samples[rep][rank][0]");
    if (reps > 0) h5::WriteFrom(root, cell, H5T_NATIVE_DOUBLE, r.cell_times.data());
  }
  {
    h5::Handle phases = h5::CreateDataset(
        group, "phase_time", H5T_NATIVE_DOUBLE, {kColumns}, "s",
        "per column of samples (attribute 'columns'): median over repetitions of the slowest "
        "rank's time");
    h5::SetAttribute(phases, "columns", std::vector<std::string>(kSampleColumns.begin(),
                                                                 kSampleColumns.end()));
    h5::WriteFrom(root, phases, H5T_NATIVE_DOUBLE, r.phase_medians.data());
  }
  {
    h5::Handle type = SummaryType();
    h5::Handle summary = h5::CreateDataset(
        group, "summary", type, {}, "s for *_s fields; rate in rate_unit; others 1",
        "statistics of cell_time: min/median/max/mean/stddev, 95% confidence interval of the "
        "mean (Student t), outliers beyond Tukey's 1.5 IQR fences; rate = work_amount / "
        "median_s / rate_scale; speedup = serial median / median (NaN without a serial run "
        "of the same kernel, parameters and size); efficiency = speedup / (ranks x threads); "
        "karp_flatt = (1/speedup - 1/p) / (1 - 1/p)");
    h5::SetAttribute(summary, "rate_unit", r.work.rate_unit);
    h5::SetAttribute(summary, "better",
                     "lower: *_s, outliers, karp_flatt; higher: rate, speedup, efficiency");
    const SummaryRow row{r.time.count,     r.time.min,      r.time.median,  r.time.max,
                         r.time.mean,      r.time.stddev,   r.time.ci95_low, r.time.ci95_high,
                         r.time.outliers,  r.rate,          r.speedup,      r.efficiency,
                         r.karp_flatt};
    h5::WriteFrom(root, summary, type, &row);
  }
  {
    h5::Handle results = h5::CreateGroup(group, "results");
    h5::SetAttribute(results, "description", "figures the kernel computed in its last repetition");
    for (const KernelResult& k : r.results) {
      h5::Handle dataset = h5::CreateDataset(results, k.name, H5T_NATIVE_DOUBLE, {}, k.unit,
                                             k.description);
      h5::WriteFrom(root, dataset, H5T_NATIVE_DOUBLE, &k.value);
    }
  }
  if (!r.cpu_sets.empty()) {
    const std::vector<hsize_t> dims = {ranks, static_cast<hsize_t>(spec.shape.threads)};
    WriteStrings(group, "cpu_sets", r.cpu_sets, dims,
                 "CPUs each [rank][thread] may run on, measured inside the team "
                 "(sched_getaffinity)",
                 root);
    h5::Handle places = h5::CreateDataset(group, "places", H5T_NATIVE_INT, dims, "1",
                                          "omp_get_place_num() of each [rank][thread]; -1 = "
                                          "threads not bound to places");
    h5::WriteFrom(root, places, H5T_NATIVE_INT, r.places.data());
  }
  group.CloseOrThrow("close group " + spec.id);
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
  if (Rank(world_) == 0 && std::rename(temporary_.c_str(), output_.c_str()) != 0)
    error = fmt::format("cannot rename {} to {}: {}", temporary_, output_, std::strerror(errno));
  AgreeOrThrow(world_, error);
}

}  // namespace parlab
