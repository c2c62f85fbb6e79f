// `parlab plan`: which CPUs every rank and thread of every shape and placement of an
// experiment would use, per node, without measuring anything. On this machine (every node
// of the launch), or on one described by --topology / HWLOC_SYNTHETIC / HWLOC_XMLFILE.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "core/collective.h"
#include "core/mpi_util.h"
#include "machine/placement.h"

namespace parlab {
namespace {

// The distinct (shape, placement, smt) of the experiment, in run order, with their runs.
struct PlanItem {
  Shape shape;
  Placement placement;
  bool smt = false;
  std::vector<std::string> models;
  std::vector<std::string> runs;
};

std::vector<PlanItem> Items(const Experiment& experiment) {
  std::vector<PlanItem> items;
  for (const RunSpec& spec : experiment.runs) {
    auto it = std::find_if(items.begin(), items.end(), [&](const PlanItem& item) {
      return item.shape.ranks == spec.shape.ranks && item.shape.threads == spec.shape.threads &&
             item.placement == spec.placement && item.smt == spec.smt;
    });
    if (it == items.end())
      it = items.insert(items.end(), PlanItem{spec.shape, spec.placement, spec.smt, {}, {}});
    if (std::find(it->models.begin(), it->models.end(), spec.model) == it->models.end())
      it->models.push_back(spec.model);
    it->runs.push_back(spec.id);
  }
  return items;
}

// One node's part of a shape: the first world rank on it and how many ranks it holds.
struct NodePart {
  int node = 0;
  int first_rank = 0;
  int ranks = 0;
};

// Ranks fill nodes in blocks of `per_node` (0: the whole shape on one node), as world
// ranks 0.. of a launch with that many ranks per node do.
std::vector<NodePart> Parts(int ranks, int per_node) {
  if (per_node <= 0) return {{0, 0, ranks}};
  std::vector<NodePart> parts;
  for (int first = 0, node = 0; first < ranks; first += per_node, ++node)
    parts.push_back({node, first, std::min(per_node, ranks - first)});
  return parts;
}

std::vector<Topology> LoadTopologies(MPI_Comm world, const PlanOptions& options) {
  if (!options.topology.empty()) {
    std::error_code error;
    return {std::filesystem::is_regular_file(options.topology, error)
                ? LoadXml(options.topology)
                : LoadSynthetic(options.topology)};
  }
  const NodeTopologies nodes = GatherThisMachine(world);
  std::vector<Topology> out;
  for (const nlohmann::json& entry : nodes.all) out.push_back(TopologyFromJson(entry));
  return out;
}

// --ranks-per-node, else the launch's (when more than one rank), else 0: one node.
int RanksPerNode(MPI_Comm world, const PlanOptions& options, bool own_topology) {
  if (options.ranks_per_node > 0) return options.ranks_per_node;
  if (own_topology || Size(world) == 1) return 0;
  const std::vector<int> leaders = NodeLeaders(world);
  return static_cast<int>(std::count(leaders.begin(), leaders.end(), leaders.front()));
}

struct Planned {
  std::string text;
  nlohmann::json json;
  int errors = 0;
};

void PlanItemOnNodes(const PlanItem& item, const std::vector<Topology>& topologies,
                     int per_node, Planned& out) {
  nlohmann::json nodes = nlohmann::json::array();
  out.text += fmt::format("\nshape {}x{} ({}), placement '{}'{}: {}\n", item.shape.ranks,
                          item.shape.threads, fmt::join(item.models, ", "),
                          PlacementName(item.placement), item.smt ? ", smt = true" : "",
                          fmt::join(item.runs, " "));
  for (const NodePart& part : Parts(item.shape.ranks, per_node)) {
    const Topology& topology =
        topologies[std::min<std::size_t>(static_cast<std::size_t>(part.node),
                                         topologies.size() - 1)];
    out.text += fmt::format("  node {} ({}), world ranks {}-{}:\n", part.node, topology.host,
                            part.first_rank, part.first_rank + part.ranks - 1);
    nlohmann::json entry = {{"node", part.node}, {"first_rank", part.first_rank}};
    try {
      const NodePlan plan =
          PlanNode(topology, {part.ranks, item.shape.threads}, item.placement, item.smt);
      out.text += FormatNodePlan(plan, 4);
      entry["plan"] = ToJson(plan);
    } catch (const PlacementError& e) {
      out.text += fmt::format("    error: {}\n", e.what());
      entry["error"] = e.what();
      ++out.errors;
    }
    nodes.push_back(std::move(entry));
  }
  out.json.push_back({{"ranks", item.shape.ranks}, {"threads", item.shape.threads},
                      {"models", item.models}, {"placement", PlacementName(item.placement)},
                      {"smt", item.smt}, {"runs", item.runs}, {"nodes", std::move(nodes)}});
}

}  // namespace

int PlanCommand(MPI_Comm world, int thread_level, const PlanOptions& options) {
  const Experiment experiment = LoadExperiment(world, options.config, thread_level);
  const std::vector<Topology> topologies = LoadTopologies(world, options);
  const int per_node = RanksPerNode(world, options, !options.topology.empty());
  if (Rank(world) != 0) return 0;
  Planned planned;
  planned.json = nlohmann::json::array();
  std::string heading;
  nlohmann::json nodes = nlohmann::json::array();
  for (std::size_t n = 0; n < topologies.size(); ++n) {
    heading += fmt::format("node {}: {}\n", n, topologies[n].Describe());
    if (!topologies[n].restriction.empty())
      heading += fmt::format("  {}\n", topologies[n].restriction);
    nodes.push_back(ToJson(topologies[n]));
  }
  for (const PlanItem& item : Items(experiment))
    PlanItemOnNodes(item, topologies, per_node, planned);
  if (options.json)
    fmt::print("{}\n", nlohmann::json{{"config", experiment.config_path},
                                      {"ranks_per_node", per_node},
                                      {"topologies", nodes},
                                      {"plans", planned.json}}.dump(2));
  else
    fmt::print("{}{}", heading, planned.text);
  if (planned.errors == 0) return 0;
  std::fflush(stdout);  // the plans before the error line that sums them up
  throw ConfigError(fmt::format("{}: {} plan(s) cannot be satisfied on this topology (see {})",
                                experiment.config_path, planned.errors,
                                options.json ? "the nodes' \"error\" entries"
                                             : "the 'error:' lines"));
}

}  // namespace parlab
