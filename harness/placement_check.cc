#include "harness/placement_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>

#include "core/collective.h"
#include "core/mpi_util.h"
#include "harness/environment.h"

namespace parlab {
namespace {

// Ranks that share this rank's physical CPUs: those of the same kernel (boot id), so
// emulated nodes (network namespaces with hostnames of their own) on one machine count
// together; by shared-memory node when the boot id is unknown.
int RanksOnThisMachine(MPI_Comm comm) {
  const std::vector<std::string> boots = AllGatherStrings(comm, BootId());
  const std::string& mine = boots[static_cast<std::size_t>(Rank(comm))];
  if (!mine.empty()) return static_cast<int>(std::count(boots.begin(), boots.end(), mine));
  const std::vector<int> leaders = NodeLeaders(comm);
  return static_cast<int>(
      std::count(leaders.begin(), leaders.end(), leaders[static_cast<std::size_t>(Rank(comm))]));
}

// Warns when the threads of a machine's ranks outnumber its cores, or a rank's threads are
// confined to fewer CPUs than there are threads (e.g. mpirun's default --bind-to core).
std::string OversubscriptionWarning(MPI_Comm comm, Shape shape, int cores_online,
                                    const std::vector<ThreadPlacement>& placements) {
  const int on_node = RanksOnThisMachine(comm);
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

// "" when the OpenMP runtime gave every rank the threads its shape asks for.
std::string UnrealisedShape(Shape shape, const std::vector<ThreadPlacement>& placements) {
  const int obtained = placements.empty() ? 0 : placements.front().team_size;
  if (obtained == shape.threads) return "";
  return fmt::format("the shape asks for {} threads per rank but the OpenMP runtime gave {} on "
                     "{} (OMP_THREAD_LIMIT or a thread limit of the system?): not measured as "
                     "{}x{}", shape.threads, obtained, Hostname(), shape.ranks, shape.threads);
}

}  // namespace

RunPlacement ObservePlacement(MPI_Comm comm, Team& team, Shape shape, int cores_online) {
  const std::vector<ThreadPlacement> placements = team.Placements();
  const std::string unrealised = FirstMessage(comm, UnrealisedShape(shape, placements));
  if (!unrealised.empty()) throw std::runtime_error(unrealised);  // every rank: a run error
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
