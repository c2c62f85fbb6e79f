#include "report/console.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/phase_timer.h"

namespace parlab {

std::string FormatSeconds(double seconds) {
  if (!std::isfinite(seconds)) return "-";
  if (seconds < 1e-6) return fmt::format("{:.1f} ns", seconds * 1e9);
  if (seconds < 1e-3) return fmt::format("{:.2f} us", seconds * 1e6);
  if (seconds < 1) return fmt::format("{:.2f} ms", seconds * 1e3);
  if (seconds < 120) return fmt::format("{:.2f} s", seconds);
  return fmt::format("{:.0f} min {:.0f} s", std::floor(seconds / 60), std::fmod(seconds, 60));
}

namespace {
// A bound run's shape names its placement: "2x1 compact".
std::string PlacementSuffix(const RunSpec& spec) {
  return spec.bound() ? fmt::format(" {}", spec.PlacementText()) : std::string();
}
std::string ShapeText(const RunSpec& spec) {
  return fmt::format("{}x{}{}", spec.shape.ranks, spec.shape.threads, PlacementSuffix(spec));
}
// nodes x ranks per node x threads: how the shape sat on the machine.
std::string ShapeText(const FinishedRun& run) {
  const int nodes = run.outcome.nodes;
  const int per_node = (run.spec.shape.ranks + nodes - 1) / nodes;
  return fmt::format("{}x{}x{}{}", nodes, per_node, run.spec.shape.threads,
                     PlacementSuffix(run.spec));
}

// "yes" for a verified run, "NO" for a wrong result, else the status.
std::string VerifiedText(RunStatus status) {
  switch (status) {
    case RunStatus::kOk: return "yes";
    case RunStatus::kFailed: return "NO";
    default: return kRunStatusNames.Name(status);
  }
}
std::string Number(double value, const char* format = "{:.2f}") {
  return std::isfinite(value) ? fmt::format(fmt::runtime(format), value) : "-";
}
}  // namespace

void ProgressReporter::Begin(const Experiment& experiment, const Environment&) {
  total_ = static_cast<int>(experiment.runs.size());
  start_ = NowSeconds();
  if (root_)
    fmt::print(stderr, "parlab: experiment '{}': {} runs on {} ranks\n", experiment.name, total_,
               experiment.ranks_needed());
}

void ProgressReporter::RunStarted(const RunSpec& spec) {
  if (!root_) return;
  fmt::print(stderr, "[{}/{}] {} | {} {} ...", spec.index + 1, total_, spec.Label(), spec.model,
             ShapeText(spec));
  std::fflush(stderr);
}

void ProgressReporter::RunFinished(const FinishedRun& run) {
  ++done_;
  if (!run.result.resumed) ++measured_;
  if (!root_) return;
  const double elapsed = NowSeconds() - start_;
  const double eta = measured_ > 0 ? elapsed / measured_ * (total_ - done_) : std::nan("");
  fmt::print(stderr, " {}median {} | {} | elapsed {}, ETA {}\n",
             run.result.resumed ? "resumed from the journal | " : "",
             FormatSeconds(run.result.time.median), kRunStatusNames.Name(run.outcome.status),
             FormatSeconds(elapsed), FormatSeconds(eta));
}

void WarningReporter::RunFinished(const FinishedRun& run) {
  if (!root_) return;
  const RunSpec& spec = run.spec;
  for (const auto& warning : run.outcome.warnings) {
    if (std::find(seen_.begin(), seen_.end(), warning) != seen_.end()) continue;
    seen_.push_back(warning);
    fmt::print(stderr, "parlab: warning: {} (run {}: {} {})\n", warning, spec.id, spec.model,
               ShapeText(spec));
  }
  // A nonblocking run that lost time against blocking says so, with the report's why.
  const auto why = run.result.derived.notes.find("overlap_why");
  const KernelResult* hidden = FindResult(run.result.derived.results, "overlap_hidden");
  if (why != run.result.derived.notes.end() && hidden != nullptr && hidden->value < 0)
    fmt::print(stderr, "parlab: warning: run {} ({} {}): {}\n", spec.id, spec.model, ShapeText(spec),
               why->second);
  const char* what = nullptr;
  switch (run.outcome.status) {
    case RunStatus::kOk: return;
    case RunStatus::kError: what = "failed"; break;
    case RunStatus::kFailed: what = "failed verification"; break;
    case RunStatus::kTimeout: what = "timed out"; break;
    case RunStatus::kSkipped: what = "skipped"; break;
  }
  fmt::print(stderr, "parlab: run {} {}: {}\n", spec.id, what, run.outcome.message);
}

void SummaryTable::RunFinished(const FinishedRun& run) {
  const RunSpec& spec = run.spec;
  const RunResult& r = run.result;
  rows_.push_back({spec.Label(), spec.model, ShapeText(run), FormatSeconds(r.time.median),
                   std::isfinite(r.rate) ? fmt::format("{:.4g} {}", r.rate, run.outcome.work.rate_unit)
                                         : "-",
                   Number(r.speedup), Number(r.efficiency), VerifiedText(run.outcome.status)});
}

std::string SummaryTable::Format(const std::vector<Row>& rows) {
  std::vector<Row> all = {{"kernel", "model", "nodes x ranks/node x threads", "median time", "rate",
                           "speedup", "efficiency", "verified"}};
  all.insert(all.end(), rows.begin(), rows.end());
  std::size_t width[8] = {};
  for (const Row& row : all) {
    const std::string* cells[8] = {&row.kernel,  &row.model,   &row.shape,      &row.median,
                                   &row.rate,    &row.speedup, &row.efficiency, &row.verified};
    for (int c = 0; c < 8; ++c) width[c] = std::max(width[c], cells[c]->size());
  }
  std::string out;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Row& row = all[i];
    std::string line = fmt::format(
        "{:<{}}  {:<{}}  {:>{}}  {:>{}}  {:>{}}  {:>{}}  {:>{}}  {:<{}}", row.kernel, width[0],
        row.model, width[1], row.shape, width[2], row.median, width[3], row.rate, width[4],
        row.speedup, width[5], row.efficiency, width[6], row.verified, width[7]);
    out += line.substr(0, line.find_last_not_of(' ') + 1) + "\n";
    if (i == 0) out += std::string(line.size(), '-') + "\n";
  }
  return out;
}

void SummaryTable::End(bool complete, const std::string& reason) {
  if (!root_) return;
  // Grouped by node count, in measuring order within a group.
  std::stable_sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) {
    return std::stoi(a.shape) < std::stoi(b.shape);
  });
  fmt::print(out_, "\n{}", Format(rows_));
  if (!complete) fmt::print(out_, "(partial: {})\n", reason);
  std::fflush(out_);
}

}  // namespace parlab
