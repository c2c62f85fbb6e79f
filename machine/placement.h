// Placement plans: which CPUs every rank and thread of a shape uses on one node. Pure
// functions of a Topology (topology.h), so `parlab plan` can show a 128-core node's plan
// on a laptop and the tests can check them on synthetic machines.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.h"
#include "machine/topology.h"

namespace parlab {

// How ranks and threads are put on a node's CPUs.
//   none      no binding: the OS decides (parlab's behaviour before placements)
//   compact   workers (rank-major) fill the CPUs in order: rank 0 on the first cores;
//             more workers than CPUs start again at the first (oversubscribed)
//   spread    ranks round-robin over the outermost level that has more than one domain
//             (of packages, NUMA domains and L3s the one with the fewest domains above
//             one; none: the cores); a domain's ranks take its CPUs in turn. Fewer ranks
//             than domains: rank r gets domains r, r + ranks, ... and deals its threads
//             over them in turn
//   domain    `ranks_per` ranks per domain (text "numa", "socket", "l3" for one, or
//             "2 per numa"): rank r in domain r / ranks_per, on part r % ranks_per of its
//             cores, its threads on that part only
struct Placement {
  enum class Kind { kNone, kCompact, kSpread, kDomain };
  Kind kind = Kind::kNone;
  Domain domain = Domain::kNuma;  // kDomain only
  int ranks_per = 1;              // kDomain only
  bool operator==(const Placement&) const = default;
};

// Config text -> Placement; unknown text throws ConfigError listing the valid forms.
Placement ParsePlacement(std::string_view text);
// Placement -> its config text ("compact", "numa", "2 per socket").
std::string PlacementName(const Placement& placement);
// The valid forms, for messages and `parlab list`.
std::string ValidPlacements();

// The part of a shape on one node: its ranks there x threads per rank.
struct NodeShape {
  int ranks = 1;
  int threads = 1;
};

struct RankPlan {
  int domain = -1;          // logical index of the domain it was placed on (-1: none)
  CpuList cpus;             // union of its threads' CPUs; empty when not bound
  std::vector<int> thread_cpu;  // OS CPU of each thread (thread 0 is the rank's main
                                // thread); empty when not bound
};

struct NodePlan {
  NodeShape shape;
  Placement placement;
  bool smt = false;
  bool bound = false;          // false for placement none
  std::optional<Domain> level; // what RankPlan::domain indexes (none: cores or no domain)
  bool oversubscribed = false; // some CPU (or, unbound, the node) has more than one thread
  std::string note;            // why it is oversubscribed; "" otherwise
  std::vector<RankPlan> ranks;
};

// Bad input: the topology cannot hold the shape under this placement.
class PlacementError : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

// Plans `shape` on `topology`. With smt = false each thread gets its own core (one PU of
// it); smt = true treats every PU as a CPU (compact fills a core's PUs first; spread and
// domain placements use a core's second PU only once every core of their part has one).
// compact, spread and none flag oversubscription; a domain placement with more ranks than
// domains x ranks_per, or more threads than its part has cores (PUs with smt), throws
// PlacementError: one line naming the shape, the placement and the topology.
NodePlan PlanNode(const Topology& topology, NodeShape shape, const Placement& placement,
                  bool smt);

// The node shape that fills every domain of a domain placement: domains x ranks_per ranks,
// each with as many threads as the smallest part has cores (PUs with smt). For sweeps such
// as "1, 2, 4 ranks per socket, the rest as threads". Throws PlacementError as PlanNode.
NodeShape FillingShape(const Topology& topology, const Placement& placement, bool smt);

// One request of a `parlab plan` listing: a shape under a placement.
struct PlanRequest {
  NodeShape shape;
  Placement placement;
  bool smt = false;
};

// The text `parlab plan` prints for one node: its topology on one line, then for every
// request its plan (every rank's CPUs and domain, every thread's CPU) or its error line.
std::string FormatPlan(const Topology& topology, const std::vector<PlanRequest>& requests);
// One plan without the topology line, indented by `indent` spaces.
std::string FormatNodePlan(const NodePlan& plan, int indent = 2);

nlohmann::json ToJson(const NodePlan& plan);

}  // namespace parlab
