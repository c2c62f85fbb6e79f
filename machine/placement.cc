#include "machine/placement.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "core/enum_names.h"
#include "core/team.h"

namespace parlab {
namespace {

// The placements spelt as one word; domain placements are spelt by their domain.
constexpr EnumNames<Placement::Kind, 3> kPlacementWords{{{{Placement::Kind::kNone, "none"},
                                                          {Placement::Kind::kCompact, "compact"},
                                                          {Placement::Kind::kSpread, "spread"}}}};

std::string ShapeText(NodeShape shape) {
  return fmt::format("{} rank{} x {} thread{}", shape.ranks, shape.ranks == 1 ? "" : "s",
                     shape.threads, shape.threads == 1 ? "" : "s");
}

[[noreturn]] void Unsatisfiable(const Topology& topology, NodeShape shape,
                                const Placement& placement, const std::string& why) {
  throw PlacementError(fmt::format("placement '{}' cannot hold {} on one node: {}; topology {}",
                                   PlacementName(placement), ShapeText(shape), why,
                                   topology.Describe()));
}

// Every list's first item, then every list's second, and so on.
CpuList Interleave(const std::vector<CpuList>& lists) {
  CpuList out;
  for (std::size_t i = 0;; ++i) {
    bool any = false;
    for (const CpuList& list : lists) {
      if (i >= list.size()) continue;
      out.push_back(list[i]);
      any = true;
    }
    if (!any) return out;
  }
}

// The CPUs of some cores, in the order threads take them. Without smt: one PU per core.
// With smt, `packed` puts a core's PUs next to each other (compact); otherwise every
// core's first PU comes before any core's second (spread, domains).
CpuList CpuOrder(const Topology& topology, const std::vector<int>& cores, bool smt, bool packed) {
  CpuList order;
  std::vector<CpuList> per_core;
  for (int c : cores) {
    const CpuList& pus = topology.cores[c].pus;
    if (!smt || packed) order.insert(order.end(), pus.begin(), smt ? pus.end() : pus.begin() + 1);
    else per_core.push_back(pus);
  }
  return per_core.empty() ? order : Interleave(per_core);
}

std::vector<int> AllCores(const Topology& topology) {
  std::vector<int> cores(topology.cores.size());
  for (std::size_t c = 0; c < cores.size(); ++c) cores[c] = static_cast<int>(c);
  return cores;
}

// The unit spread deals ranks over: the level with the fewest domains above one.
std::optional<Domain> SpreadLevel(const Topology& topology) {
  std::optional<Domain> best;
  int fewest = 0;
  for (Domain domain : kDomains) {
    const int count = topology.DomainCount(domain);
    if (count > 1 && (!best || count < fewest)) {
      best = domain;
      fewest = count;
    }
  }
  return best;
}

void AssignThreads(RankPlan& rank, const CpuList& order, int first, int threads) {
  for (int t = 0; t < threads; ++t)
    rank.thread_cpu.push_back(order[static_cast<std::size_t>(first + t) % order.size()]);
  rank.cpus = rank.thread_cpu;
  std::sort(rank.cpus.begin(), rank.cpus.end());
  rank.cpus.erase(std::unique(rank.cpus.begin(), rank.cpus.end()), rank.cpus.end());
}

void PlanCompact(const Topology& topology, NodePlan& plan) {
  const CpuList order = CpuOrder(topology, AllCores(topology), plan.smt, true);
  for (int r = 0; r < plan.shape.ranks; ++r)
    AssignThreads(plan.ranks[r], order, r * plan.shape.threads, plan.shape.threads);
}

void PlanSpread(const Topology& topology, NodePlan& plan) {
  plan.level = SpreadLevel(topology);
  std::vector<DomainCores> domains;
  if (plan.level) {
    domains = DomainsOf(topology, *plan.level);
  } else {
    for (int c : AllCores(topology)) domains.push_back({-1, {c}});
  }
  const int count = static_cast<int>(domains.size());
  const int ranks = plan.shape.ranks, threads = plan.shape.threads;
  for (int r = 0; r < ranks; ++r) {
    RankPlan& rank = plan.ranks[r];
    if (ranks >= count) {  // round-robin; a domain's k-th rank takes its next threads
      const DomainCores& domain = domains[r % count];
      rank.domain = domain.index;
      AssignThreads(rank, CpuOrder(topology, domain.cores, plan.smt, false),
                    (r / count) * threads, threads);
      continue;
    }
    // Fewer ranks than domains: rank r gets domains r, r + ranks, ... and deals its
    // threads over them in turn.
    std::vector<CpuList> orders;
    for (int d = r; d < count; d += ranks)
      orders.push_back(CpuOrder(topology, domains[d].cores, plan.smt, false));
    if (orders.size() == 1) rank.domain = domains[r].index;
    const CpuList dealt = Interleave(orders);
    AssignThreads(rank, dealt, 0, threads);
  }
}

void PlanDomains(const Topology& topology, const Placement& placement, NodePlan& plan) {
  plan.level = placement.domain;
  const std::vector<DomainCores> domains = DomainsOf(topology, placement.domain);
  const NodeShape shape = plan.shape;
  if (domains.empty())
    Unsatisfiable(topology, shape, placement,
                  fmt::format("the topology has {}", DomainNoun(placement.domain, 0)));
  const int capacity = static_cast<int>(domains.size()) * placement.ranks_per;
  if (shape.ranks > capacity)
    Unsatisfiable(topology, shape, placement,
                  fmt::format("at most {} fit ({} x {} each)", capacity,
                              DomainNoun(placement.domain, static_cast<int>(domains.size())),
                              placement.ranks_per));
  for (int r = 0; r < shape.ranks; ++r) {
    const DomainCores& domain = domains[r / placement.ranks_per];
    const Range part = Partition(static_cast<long long>(domain.cores.size()),
                                 placement.ranks_per, r % placement.ranks_per);
    const std::vector<int> cores(domain.cores.begin() + part.begin,
                                 domain.cores.begin() + part.end);
    const CpuList order = CpuOrder(topology, cores, plan.smt, false);
    if (static_cast<int>(order.size()) < shape.threads)
      Unsatisfiable(topology, shape, placement,
                    fmt::format("{} threads do not fit: rank {}'s {}{} {} has {} (smt = {})",
                                shape.threads, r, placement.ranks_per > 1 ? "part of " : "",
                                DomainWord(placement.domain), domain.index,
                                Counted(static_cast<int>(order.size()), plan.smt ? "PU" : "core"),
                                plan.smt));
    plan.ranks[r].domain = domain.index;
    AssignThreads(plan.ranks[r], order, 0, shape.threads);
  }
}

// Flags CPUs given to more than one thread of the node.
void FlagOversubscription(const Topology& topology, NodePlan& plan) {
  const int workers = plan.shape.ranks * plan.shape.threads;
  if (!plan.bound) {
    plan.oversubscribed = workers > topology.pu_count();
    if (plan.oversubscribed)
      plan.note = fmt::format("{} threads on {}", workers, Counted(topology.pu_count(), "PU"));
    return;
  }
  std::map<int, int> users;
  for (const RankPlan& rank : plan.ranks)
    for (int cpu : rank.thread_cpu) ++users[cpu];
  int shared = 0;
  for (const auto& [cpu, count] : users) shared += count > 1 ? 1 : 0;
  plan.oversubscribed = shared > 0;
  if (!plan.oversubscribed) return;
  plan.note = fmt::format("{} threads on {}: {} more than one", workers,
                          Counted(static_cast<int>(users.size()), "CPU"),
                          shared == 1 ? "1 runs" : fmt::format("{} run", shared));
  if (!plan.smt && topology.pu_count() > static_cast<int>(topology.cores.size()))
    plan.note += fmt::format(" (smt = true would add {} sibling PUs)",
                             topology.pu_count() - static_cast<int>(topology.cores.size()));
}

}  // namespace

NodePlan PlanNode(const Topology& topology, NodeShape shape, const Placement& placement,
                  bool smt) {
  if (shape.ranks < 1 || shape.threads < 1)
    throw PlacementError(fmt::format("cannot plan {}", ShapeText(shape)));
  NodePlan plan;
  plan.shape = shape;
  plan.placement = placement;
  plan.smt = smt;
  plan.bound = placement.kind != Placement::Kind::kNone;
  plan.ranks.resize(static_cast<std::size_t>(shape.ranks));
  switch (placement.kind) {
    case Placement::Kind::kNone: break;
    case Placement::Kind::kCompact: PlanCompact(topology, plan); break;
    case Placement::Kind::kSpread: PlanSpread(topology, plan); break;
    case Placement::Kind::kDomain: PlanDomains(topology, placement, plan); break;
  }
  FlagOversubscription(topology, plan);
  return plan;
}

NodeShape FillingShape(const Topology& topology, const Placement& placement, bool smt) {
  if (placement.kind != Placement::Kind::kDomain)
    throw PlacementError(fmt::format("placement '{}' has no filling shape: only 'socket', "
                                     "'numa', 'l3' and '<n> per ...' have",
                                     PlacementName(placement)));
  const std::vector<DomainCores> domains = DomainsOf(topology, placement.domain);
  NodeShape shape{std::max(1, static_cast<int>(domains.size()) * placement.ranks_per), 0};
  if (domains.empty())
    Unsatisfiable(topology, shape, placement,
                  fmt::format("the topology has {}", DomainNoun(placement.domain, 0)));
  for (const DomainCores& domain : domains) {
    for (int part = 0; part < placement.ranks_per; ++part) {
      const Range range = Partition(static_cast<long long>(domain.cores.size()),
                                    placement.ranks_per, part);
      const std::vector<int> cores(domain.cores.begin() + range.begin,
                                   domain.cores.begin() + range.end);
      const int cpus = static_cast<int>(CpuOrder(topology, cores, smt, false).size());
      if (shape.threads == 0 || cpus < shape.threads) shape.threads = cpus;
    }
  }
  if (shape.threads < 1)
    Unsatisfiable(topology, {shape.ranks, 1}, placement,
                  fmt::format("a {} domain has fewer cores than {} ranks",
                              DomainWord(placement.domain), placement.ranks_per));
  return shape;
}

Placement ParsePlacement(std::string_view text) {
  const auto domain_of = [](std::string_view word) -> std::optional<Domain> {
    for (Domain domain : kDomains)
      if (word == DomainWord(domain)) return domain;
    return std::nullopt;
  };
  if (const auto kind = kPlacementWords.Find(text)) return {*kind};
  if (const auto domain = domain_of(text)) return {Placement::Kind::kDomain, *domain, 1};
  // "<n> per <domain>"
  const std::size_t space = text.find(' ');
  int count = 0;
  if (space != std::string_view::npos && text.substr(space).starts_with(" per ")) {
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + space, count);
    const auto domain = domain_of(text.substr(space + 5));
    if (ec == std::errc() && ptr == text.data() + space && domain && count >= 1 &&
        count <= 1 << 16)
      return {Placement::Kind::kDomain, *domain, count};
  }
  throw ConfigError(fmt::format("unknown placement '{}' (valid placements: {})", text,
                                ValidPlacements()));
}

std::string PlacementName(const Placement& placement) {
  switch (placement.kind) {
    case Placement::Kind::kNone:
    case Placement::Kind::kCompact:
    case Placement::Kind::kSpread:
      return kPlacementWords.Name(placement.kind);
    case Placement::Kind::kDomain:
      return placement.ranks_per == 1
                 ? DomainWord(placement.domain)
                 : fmt::format("{} per {}", placement.ranks_per, DomainWord(placement.domain));
  }
  return "?";
}

std::string PlacementDoc(const Placement& placement, bool smt) {
  const char* threads = smt ? "; threads may share a core's hardware threads (smt = true)"
                            : "; one thread per core (smt = false)";
  switch (placement.kind) {
    case Placement::Kind::kNone:
      return "not bound: the operating system places every thread";
    case Placement::Kind::kCompact:
      return std::string("each rank's threads bound to one CPU each, the node's ranks filling "
                         "the cores in order") + threads;
    case Placement::Kind::kSpread:
      return std::string("ranks dealt round-robin over the outermost level with more than one "
                         "domain, each thread bound to one CPU of its rank's domain") + threads;
    case Placement::Kind::kDomain:
      return fmt::format("{} rank(s) per {}, each on its part of that domain's cores, each "
                         "thread bound to one CPU there{}", placement.ranks_per,
                         DomainWord(placement.domain), threads);
  }
  return "";
}

std::string ValidPlacements() {
  return "none, compact, spread, socket, numa, l3, or '<n> per socket|numa|l3' "
         "such as '2 per numa'";
}

}  // namespace parlab
