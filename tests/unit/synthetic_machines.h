// hwloc synthetic topologies the machine-layer tests plan on (HWLOC_SYNTHETIC syntax).
#pragma once

namespace parlab::testing_util {

// 2 packages x 2 NUMA nodes x 8 cores x 2 PUs = 64 PUs: a machine we do not have.
inline constexpr const char* kBig = "pack:2 numa:2 core:8 pu:2";
// 1 package, 2 cores, 1 PU each: this VM's shape.
inline constexpr const char* kSmall = "pack:1 numa:1 core:2 pu:1";

}  // namespace parlab::testing_util
