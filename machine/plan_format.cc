// The text and JSON forms of placement plans (placement.h).
#include <fmt/format.h>

#include "machine/placement.h"

namespace parlab {
namespace {

std::string ThreadList(const std::vector<int>& cpus) {
  std::string text;
  for (int cpu : cpus) {
    if (!text.empty()) text += ' ';
    text += std::to_string(cpu);
  }
  return text;
}

std::string Heading(const NodePlan& plan) {
  return fmt::format("{} rank{} x {} thread{}, placement '{}', smt = {}", plan.shape.ranks,
                     plan.shape.ranks == 1 ? "" : "s", plan.shape.threads,
                     plan.shape.threads == 1 ? "" : "s", PlacementName(plan.placement), plan.smt);
}

}  // namespace

std::string FormatNodePlan(const NodePlan& plan, int indent) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  std::string text = pad + Heading(plan) + "\n";
  if (plan.oversubscribed) text += pad + "  oversubscribed: " + plan.note + "\n";
  if (!plan.bound) return text + pad + "  not bound: the OS places every thread\n";
  for (std::size_t r = 0; r < plan.ranks.size(); ++r) {
    const RankPlan& rank = plan.ranks[r];
    const std::string domain = plan.level && rank.domain >= 0
                                   ? fmt::format(" {} {},", DomainWord(*plan.level), rank.domain)
                                   : "";
    text += fmt::format("{}  rank {}:{} CPUs {}; threads on {}\n", pad, r, domain,
                        FormatCpuList(rank.cpus), ThreadList(rank.thread_cpu));
  }
  return text;
}

std::string FormatPlan(const Topology& topology, const std::vector<PlanRequest>& requests) {
  std::string text = "node " + topology.Describe() + "\n";
  for (const PlanRequest& request : requests) {
    try {
      text += FormatNodePlan(PlanNode(topology, request.shape, request.placement, request.smt));
    } catch (const PlacementError& e) {
      text += fmt::format("  error: {}\n", e.what());
    }
  }
  return text;
}

nlohmann::json ToJson(const NodePlan& plan) {
  nlohmann::json ranks = nlohmann::json::array();
  for (const RankPlan& rank : plan.ranks)
    ranks.push_back({{"domain", rank.domain}, {"cpus", FormatCpuList(rank.cpus)},
                     {"thread_cpu", rank.thread_cpu}});
  return {{"ranks_on_node", plan.shape.ranks},
          {"threads", plan.shape.threads},
          {"placement", PlacementName(plan.placement)},
          {"smt", plan.smt},
          {"bound", plan.bound},
          {"level", plan.level ? nlohmann::json(DomainWord(*plan.level)) : nlohmann::json()},
          {"oversubscribed", plan.oversubscribed},
          {"note", plan.note},
          {"ranks", ranks}};
}

}  // namespace parlab
