// What the report needs to say about the machine and software a run happened on.
#pragma once

#include <mpi.h>

#include <string>
#include <utility>
#include <vector>

#include "machine/topology.h"
#include "machine/probe.h"

namespace parlab {

struct Environment {
  // Ordered (key, value) pairs, printed by `parlab info` and stored as report attributes.
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::string> hostnames;  // per world rank
  std::vector<std::string> rank_cpus;  // per world rank: CPU list of its main thread
  int granted_thread_level = MPI_THREAD_SINGLE;
  int cores_online = 1;                // on this rank's node
  // This rank's node as hwloc sees it, confined to the CPUs the launcher gave the node's
  // ranks (what placements are planned on), and every node's, as JSON, in node order.
  Topology topology;
  int node = 0;                             // this rank's node's index in node_topologies
  std::vector<std::string> node_topologies;  // on every rank
  ObtainedCeilings ceilings;           // the same on every rank (disabled unless obtained)
};

// Collective over world.
Environment CollectEnvironment(MPI_Comm world, int granted_thread_level);

std::string ParlabVersion();
std::string GitSha();
std::string Hostname();
// This kernel's boot id (/proc/sys/kernel/random/boot_id): ranks with the same one share
// the same physical CPUs, even on emulated nodes with hostnames of their own. "" if unknown.
std::string BootId();
std::string UtcNow();

}  // namespace parlab
