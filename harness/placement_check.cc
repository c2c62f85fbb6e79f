#include "harness/placement_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>

#include "core/collective.h"
#include "core/mpi_util.h"
#include "harness/environment.h"

namespace parlab {
namespace {

// Warns when the threads of a node's ranks outnumber its cores, or a rank's threads are
// confined to fewer CPUs than there are threads (e.g. mpirun's default --bind-to core).
std::string OversubscriptionWarning(MPI_Comm comm, Shape shape, int cores_online,
                                    const std::vector<ThreadPlacement>& placements) {
  const std::vector<int> leaders = NodeLeaders(comm);
  const int on_node = static_cast<int>(
      std::count(leaders.begin(), leaders.end(), leaders[static_cast<std::size_t>(Rank(comm))]));
  if (on_node * shape.threads > cores_online) {
    const char* policy = std::getenv("OMP_WAIT_POLICY");
    const bool passive = policy != nullptr && std::string(policy) == "passive";
    return fmt::format("{}{} ranks x {} threads on {} exceed its {} cores{}", kOversubscribed,
                       on_node, shape.threads, Hostname(), cores_online,
                       passive ? "" : " (and OMP_WAIT_POLICY is not passive: spinning "
                                      "threads inflate these times)");
  }
  std::set<std::string> cpus;
  int confined_to = 0;
  for (const auto& p : placements)
    if (cpus.insert(p.cpus).second) confined_to += p.cpu_count;
  if (cpus.size() == 1 && confined_to < shape.threads)
    return fmt::format("{}rank {}'s {} threads share {} CPU(s) ({}); launch with "
                       "'mpirun --bind-to none' or give each rank more cores",
                       kOversubscribed, Rank(comm), shape.threads, confined_to, *cpus.begin());
  return "";
}

std::string PlacementText(const std::vector<ThreadPlacement>& placements) {
  std::string text;
  for (const auto& p : placements) text += std::to_string(p.place) + ":" + p.cpus + ";";
  return text;
}

}  // namespace

RunPlacement ObservePlacement(MPI_Comm comm, Team& team, Shape shape, int cores_online) {
  const std::vector<ThreadPlacement> placements = team.Placements();
  RunPlacement placement;
  const std::string warning =
      FirstMessage(comm, OversubscriptionWarning(comm, shape, cores_online, placements));
  if (!warning.empty()) {
    placement.oversubscribed = true;
    placement.warnings.push_back(warning);
  }
  for (const std::string& text : AllGatherStrings(comm, PlacementText(placements))) {
    std::size_t start = 0;
    for (std::size_t end; (end = text.find(';', start)) != std::string::npos; start = end + 1) {
      const std::string item = text.substr(start, end - start);
      const auto colon = item.find(':');
      placement.places.push_back(std::stoi(item.substr(0, colon)));
      placement.cpu_sets.push_back(item.substr(colon + 1));
    }
  }
  return placement;
}

}  // namespace parlab
