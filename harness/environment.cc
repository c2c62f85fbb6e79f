#include "harness/environment.h"

#include <cblas.h>
#include <fmt/format.h>
#include <hdf5.h>
#include <omp.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>

#include "core/collective.h"
#include "core/mpi_util.h"
#include "core/team.h"

#ifndef PARLAB_VERSION
#define PARLAB_VERSION "0.0.0"
#endif
#ifndef PARLAB_GIT_SHA
#define PARLAB_GIT_SHA "unknown"
#endif
#ifndef PARLAB_CXX_FLAGS
#define PARLAB_CXX_FLAGS ""
#endif

namespace parlab {
namespace {

std::string EnvOr(const char* name, const char* fallback = "(unset)") {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown";
}

std::string ProcBindName(omp_proc_bind_t bind) {
  switch (bind) {
    case omp_proc_bind_false: return "false";
    case omp_proc_bind_true: return "true";
    case omp_proc_bind_master: return "master";
    case omp_proc_bind_close: return "close";
    case omp_proc_bind_spread: return "spread";
  }
  return "unknown";
}

// Before any binding: every node's topology within the CPUs its ranks were launched on.
void CollectTopology(MPI_Comm world, Environment& env) {
  NodeTopologies nodes = GatherThisMachine(world);
  env.topology = std::move(nodes.mine);
  env.node = nodes.node;
  const nlohmann::json all(nodes.all);
  for (const auto& entry : nlohmann::json::parse(BroadcastString(world, all.dump())))
    env.node_topologies.push_back(entry.dump());
}

}  // namespace

std::string ParlabVersion() { return PARLAB_VERSION; }
std::string GitSha() { return PARLAB_GIT_SHA; }

std::string Hostname() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

std::string BootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

Environment CollectEnvironment(MPI_Comm world, int granted_thread_level) {
  Environment env;
  env.granted_thread_level = granted_thread_level;
  env.cores_online = get_nprocs();
  env.hostnames = AllGatherStrings(world, Hostname());
  env.rank_cpus = AllGatherStrings(world, CpuListOfThisThread(nullptr));
  CollectTopology(world, env);

  char mpi_library[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  MPI_Get_library_version(mpi_library, &length);
  std::string mpi_text(mpi_library, static_cast<std::size_t>(length));
  while (!mpi_text.empty() && (mpi_text.back() == '\n' || mpi_text.back() == '\0'))
    mpi_text.pop_back();
  int mpi_version = 0, mpi_subversion = 0;
  MPI_Get_version(&mpi_version, &mpi_subversion);
  unsigned h5_major = 0, h5_minor = 0, h5_release = 0;
  H5get_libversion(&h5_major, &h5_minor, &h5_release);

  int distinct_hosts = 0;
  for (std::size_t r = 0; r < env.hostnames.size(); ++r) {
    bool seen = false;
    for (std::size_t q = 0; q < r; ++q) seen = seen || env.hostnames[q] == env.hostnames[r];
    if (!seen) ++distinct_hosts;
  }

  env.fields = {
      {"parlab_version", ParlabVersion()},
      {"git_sha", GitSha()},
      {"mpi_library_version", mpi_text},
      {"mpi_standard", fmt::format("{}.{}", mpi_version, mpi_subversion)},
      {"mpi_thread_level", ThreadLevelName(granted_thread_level)},
      {"world_size", std::to_string(Size(world))},
      {"nodes", std::to_string(distinct_hosts)},
      {"openmp_version", std::to_string(_OPENMP)},
      {"omp_proc_bind", ProcBindName(omp_get_proc_bind())},
      {"omp_num_places", std::to_string(omp_get_num_places())},
      {"env_OMP_PROC_BIND", EnvOr("OMP_PROC_BIND")},
      {"env_OMP_PLACES", EnvOr("OMP_PLACES")},
      {"env_OMP_NUM_THREADS", EnvOr("OMP_NUM_THREADS")},
      {"env_OMP_WAIT_POLICY", EnvOr("OMP_WAIT_POLICY")},
      {"omp_thread_limit", std::to_string(omp_get_thread_limit())},
      {"compiler", fmt::format("g++ {}", __VERSION__)},
      {"compiler_flags", PARLAB_CXX_FLAGS},
      {"hdf5_version", fmt::format("{}.{}.{}", h5_major, h5_minor, h5_release)},
      {"openblas_config", openblas_get_config()},
      {"env_OPENBLAS_CORETYPE", EnvOr("OPENBLAS_CORETYPE")},
      {"cpu_model", CpuModel()},
      {"cores_online", std::to_string(env.cores_online)},
      {"rank0_cpus", env.rank_cpus.front()},
      {"slurm_job_id", EnvOr("SLURM_JOB_ID", "")},
      {"slurm_job_nodelist", EnvOr("SLURM_JOB_NODELIST", "")},
      {"slurm_ntasks_per_node", EnvOr("SLURM_NTASKS_PER_NODE", "")},
      {"slurm_cpus_per_task", EnvOr("SLURM_CPUS_PER_TASK", "")},
      {"slurm_array_job_id", EnvOr("SLURM_ARRAY_JOB_ID", "")},
      {"slurm_array_task_id", EnvOr("SLURM_ARRAY_TASK_ID", "")},
  };
  return env;
}

}  // namespace parlab
