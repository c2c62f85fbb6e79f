// The one owner of an hwloc topology handle: destroyed on every path.
#pragma once

#include <hwloc.h>

#include <memory>
#include <stdexcept>

namespace parlab {

struct HwlocTopologyDeleter {
  void operator()(hwloc_topology* topology) const { hwloc_topology_destroy(topology); }
};
using HwlocTopology = std::unique_ptr<hwloc_topology, HwlocTopologyDeleter>;

// An initialised, not yet loaded topology; throws std::runtime_error when hwloc cannot.
inline HwlocTopology NewHwlocTopology() {
  hwloc_topology_t raw = nullptr;
  if (hwloc_topology_init(&raw) != 0) throw std::runtime_error("hwloc_topology_init failed");
  return HwlocTopology(raw);
}

}  // namespace parlab
