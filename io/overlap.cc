#include "io/overlap.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "io/backend.h"

namespace parlab {

Overlap ComputeOverlap(double compute_s, double io_s, double overlapped_s) {
  const double hidden = compute_s + io_s - overlapped_s;
  return {hidden, hidden / std::min(compute_s, io_s), hidden / std::max(compute_s, io_s)};
}

double OverlapCeiling(double compute_s, double io_cpu_s, double io_sync_s, int idle_cores,
                      int node_ranks) {
  const double shorter = std::min(compute_s, io_cpu_s + io_sync_s);
  if (shorter <= 0) return 0;
  const double idle_core_s = std::max(0, idle_cores) * compute_s / std::max(1, node_ranks);
  const double hidable = std::min(shorter, io_sync_s + std::min(io_cpu_s, idle_core_s));
  return hidable / shorter;
}

namespace {

double Min(const std::vector<double>& values) {
  return values.empty() ? 0 : *std::min_element(values.begin(), values.end());
}

double ResultOr(const FinishedRunView& run, const char* name, double otherwise) {
  const KernelResult* found = FindResult(run.results, name);
  return found != nullptr ? found->value : otherwise;
}

// Host noise only ever adds time, so every input is the minimum over repetitions of the
// slowest rank: medians of separate runs can differ by more than the I/O being hidden.
struct RunTimes {
  double total_s, compute_s, other_s, post_s, wait_s, sync_s, io_s;

  explicit RunTimes(const SampleTable& samples) {
    const auto column = [&](Phase p) { return Min(samples.SlowestPerRepetition(1 + static_cast<int>(p))); };
    const std::vector<double> totals = samples.SlowestPerRepetition(0);
    const std::vector<double> computes = samples.SlowestPerRepetition(1 + static_cast<int>(Phase::kCompute));
    std::vector<double> others(totals.size());
    for (std::size_t i = 0; i < totals.size(); ++i) others[i] = std::max(0.0, totals[i] - computes[i]);
    total_s = Min(totals);
    compute_s = Min(computes);
    other_s = Min(others);
    post_s = column(Phase::kPost);
    wait_s = column(Phase::kWait);
    sync_s = column(Phase::kSync);
    io_s = column(Phase::kIo);
  }
};

constexpr const char* kInputs = " Inputs are minima over repetitions of the slowest rank.";

class OverlapDeriver final : public ResultDeriver {
 public:
  DerivedFigures Derive(const FinishedRunView& run) override {
    DerivedFigures figures;
    if (!run.ok || run.samples.repetitions() == 0) return figures;
    const RunTimes times(run.samples);
    figures.results.push_back({"io_time", times.other_s, "s",
                               "minimum over repetitions of the slowest rank's time not spent "
                               "computing (I/O, posting, tests, waits, syncs)"});
    const IoModeInfo& mode = ModeInfo(run.params.Choice("mode", kIoModeNames));
    if (!mode.nonblocking)
      blocking_.insert_or_assign(Key(run, mode.blocking_form), times);
    else
      AddOverlap(run, times, mode, figures);
    return figures;
  }

 private:
  // The blocking run a nonblocking one is compared with: same model, shape and parameters
  // but for how the write is issued and progressed.
  static std::string Key(const FinishedRunView& run, IoMode blocking_mode) {
    return fmt::format("{} {} {}x{} {} {}", kIoModeNames.Name(blocking_mode), run.model, run.shape.ranks,
                       run.shape.threads, run.params.size(),
                       run.params.Text([](const std::string& name, const ParamValue&) {
                         return name != "mode" && name != "progress" && name != "test_interval";
                       }));
  }

  void AddOverlap(const FinishedRunView& run, const RunTimes& mine, const IoModeInfo& mode,
                  DerivedFigures& figures) const;

  std::map<std::string, RunTimes> blocking_;
};

// Why a run hid less than its ceiling allows, in the terms of its own phases.
std::string WhyNotHidden(const RunTimes& blocking, const RunTimes& mine, const Overlap& o,
                         double ceiling, int idle_cores) {
  const double slowed_compute = mine.compute_s - blocking.compute_s;
  std::string why = o.hidden_s < 0
                        ? fmt::format("slower than the blocking run by {:.1f} ms", -o.hidden_s * 1e3)
                        : fmt::format("hid {:.0f} % of the shorter activity, the ceiling is {:.0f} %",
                                      o.vs_smaller * 100, ceiling * 100);
  why += fmt::format(": post {:.1f} ms and wait {:.1f} ms + sync {:.1f} ms on the critical path",
                     mine.post_s * 1e3, mine.wait_s * 1e3, mine.sync_s * 1e3);
  if (slowed_compute > 0)
    why += fmt::format(", compute {:.1f} ms slower than without I/O", slowed_compute * 1e3);
  if (idle_cores == 0)
    why += "; every core computes, so the I/O's CPU part (copies into the page cache) "
           "competes with the compute instead of hiding";
  return why;
}

void OverlapDeriver::AddOverlap(const FinishedRunView& run, const RunTimes& mine,
                                const IoModeInfo& mode, DerivedFigures& figures) const {
  const auto found = blocking_.find(Key(run, mode.blocking_form));
  if (found == blocking_.end()) {
    figures.notes["overlap"] = fmt::format("no {} run of the same shape and parameters before this one",
                                           kIoModeNames.Name(mode.blocking_form));
    return;
  }
  const RunTimes& b = found->second;
  const Overlap o = ComputeOverlap(b.compute_s, b.other_s, mine.total_s);
  const int node_cores = static_cast<int>(ResultOr(run, "node_cores", 1));
  const int node_ranks = static_cast<int>(ResultOr(run, "node_ranks", 1));
  const int idle = std::max(0, node_cores - node_ranks * run.shape.threads);
  const double cpu_s = std::max(0.0, b.other_s - b.sync_s);
  const double ceiling = OverlapCeiling(b.compute_s, cpu_s, b.sync_s, idle, node_ranks);
  auto add = [&](const char* name, double value, const char* unit, const std::string& doc) {
    figures.results.push_back({name, value, unit, doc + kInputs});
  };
  add("overlap_hidden", o.hidden_s, "s",
      "blocking compute + blocking I/O - this run's total: time overlapped");
  add("overlap_vs_smaller", o.vs_smaller, "1",
      "hidden / min(compute, I/O) of the blocking run: share of the shorter activity hidden "
      "(1 = fully hidden; negative = slower than blocking, see note_overlap_why)");
  add("overlap_vs_larger", o.vs_larger, "1", "hidden / max(compute, I/O) of the blocking run");
  add("overlap_ceiling", ceiling, "1",
      "the most overlap_vs_smaller the core budget allows: (sync + min(CPU part, idle cores "
      "x compute / node ranks)) / min(compute, I/O), from the blocking run");
  add("io_cpu_time", cpu_s, "s",
      "the blocking run's I/O outside the sync: CPU work (copies into the page cache, packing) "
      "and agreement");
  add("io_device_time", b.sync_s, "s", "the blocking run's sync: waiting for the device");
  add("idle_cores", idle, "1", "cores of rank 0's node no worker computes on");
  if (!(o.vs_smaller >= 0.8 * ceiling) || o.hidden_s < 0)
    figures.notes["overlap_why"] = WhyNotHidden(b, mine, o, ceiling, idle);
}

}  // namespace

std::unique_ptr<ResultDeriver> MakeOverlapDeriver() { return std::make_unique<OverlapDeriver>(); }

}  // namespace parlab
