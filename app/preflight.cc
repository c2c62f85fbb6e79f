#include "app/preflight.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <set>

#include "core/collective.h"
#include "core/files.h"
#include "core/mpi_util.h"
#include "machine/placement.h"

namespace parlab {
namespace {

// "" when `dir` is a directory this process may create files in.
std::string WritableDirectory(const std::string& dir, const char* key) {
  const std::string kind = FileKind(dir);
  if (kind.empty()) return fmt::format("{} = \"{}\": No such file or directory", key, dir);
  if (access(dir.c_str(), W_OK | X_OK) != 0)
    return fmt::format("{} = \"{}\": {}", key, dir, std::strerror(errno));
  return "";
}

std::string CheckRun(const RunSpec& spec) {
  const KernelInfo& info = spec.kernel_info();
  std::string reason = info.preflight ? info.preflight(spec.params) : "";
  if (reason.empty() && spec.io_stage) reason = WritableDirectory(spec.io_stage->dir, "io_dir");
  return reason;
}

// The first bound run whose plan this rank's node cannot hold; "" when all fit.
std::string PlacementProblem(const Experiment& experiment, const Topology& topology,
                             const std::vector<int>& leaders, int rank) {
  std::set<std::string> checked;
  for (const RunSpec& spec : experiment.runs) {
    if (!spec.bound() || rank >= spec.shape.ranks) continue;  // this node's part only
    const std::string where = fmt::format("{}: {} ({} {}x{}, placement '{}')",
                                          experiment.config_path, spec.id, spec.model,
                                          spec.shape.ranks, spec.shape.threads,
                                          spec.PlacementText());
    if (!topology.this_system)
      return fmt::format("{}: parlab binds only to the machine it runs on, but the topology "
                         "is {} (unset HWLOC_SYNTHETIC and HWLOC_XMLFILE; 'parlab plan' shows "
                         "plans for other machines)", where, topology.source);
    const auto end = leaders.begin() + std::min<std::ptrdiff_t>(spec.shape.ranks,
                                                                std::ssize(leaders));
    const int here = static_cast<int>(
        std::count(leaders.begin(), end, leaders[static_cast<std::size_t>(rank)]));
    if (!checked.insert(fmt::format("{}x{} {}", here, spec.shape.threads, spec.PlacementText()))
             .second)
      continue;
    try {
      PlanNode(topology, {here, spec.shape.threads}, spec.placement, spec.smt);
    } catch (const PlacementError& e) {
      return fmt::format("{}: {}", where, e.what());
    }
  }
  return "";
}

}  // namespace

void CheckPlacements(MPI_Comm world, const Experiment& experiment, const Topology& topology) {
  const std::vector<int> leaders = NodeLeaders(world);
  const int rank = Rank(world);
  const bool any_bound = std::any_of(experiment.runs.begin(), experiment.runs.end(),
                                     [](const RunSpec& spec) { return spec.bound(); });
  if (!any_bound) return;
  const std::string first =
      FirstMessage(world, PlacementProblem(experiment, topology, leaders, rank));
  if (!first.empty()) throw ConfigError(first);
  const std::string note = FirstMessage(
      world, topology.restriction.empty() ? "" : topology.host + ": " + topology.restriction);
  if (rank == 0 && !note.empty()) fmt::print(stderr, "parlab: note: placements on {}\n", note);
}

void Preflight(MPI_Comm world, const Experiment& experiment) {
  std::string error;
  std::set<std::string> checked;
  for (const RunSpec& spec : experiment.runs) {
    if (!error.empty()) break;
    const std::string what = spec.kernel + " " + spec.params.Text() +
                             (spec.io_stage ? " io_dir=" + spec.io_stage->dir : "");
    if (!checked.insert(what).second) continue;
    if (const std::string reason = CheckRun(spec); !reason.empty())
      error = fmt::format("{}: {} (kernel {}): {}", experiment.config_path, spec.id, spec.kernel, reason);
  }
  const std::string first = FirstMessage(world, error);
  if (!first.empty()) throw ConfigError(first);
}

}  // namespace parlab
