#include <fmt/format.h>

#include "app/commands.h"
#include "app/config.h"
#include "core/collective.h"
#include "core/mpi_util.h"
#include "harness/environment.h"

namespace parlab {

// Rank 0 reads the file and every rank parses the same text, so all agree on every error.
Experiment LoadExperiment(MPI_Comm world, const std::string& path, int thread_level) {
  std::string text, error;
  if (Rank(world) == 0) {
    try {
      text = ReadConfigFile(path);
    } catch (const ConfigError& e) {
      error = e.what();
    }
  }
  error = BroadcastString(world, error);
  if (!error.empty()) throw ConfigError(error);
  return ParseExperiment(BroadcastString(world, text), path, thread_level);
}

std::string ParamDoc(const ParamSpec& p) {
  const char* types[] = {"int", "number", "string", "bool"};
  std::string doc = fmt::format("{} ({}, default {}): {}", p.name, types[static_cast<int>(p.type)],
                                FormatParamValue(p.default_value), p.doc);
  return doc;
}

int ListCommand() {
  fmt::print("Kernels (size, then parameters; any value may be an array to sweep):\n");
  for (const KernelInfo& k : KernelTable()) {
    fmt::print("  {:<11} {}\n", k.name, k.doc);
    fmt::print("  {:<11}   size: {}\n", "", k.size_doc);
    for (const ParamSpec& p : k.params) fmt::print("  {:<11}   {}\n", "", ParamDoc(p));
  }
  fmt::print("\nExecution models (shapes from each [[run]]'s ranks x threads):\n");
  for (const ExecutionModel* m : ModelTable())
    fmt::print("  {:<11} {}\n  {:<11}   shapes: {}\n", m->name(), m->doc(), "", m->shape_rule());
  fmt::print("\nModel options in [[run]]: gil_interval_ms (number, default 5): the gil model's "
             "switch interval\n");
  return 0;
}

int InfoCommand(MPI_Comm world, int thread_level) {
  const Environment env = CollectEnvironment(world, thread_level);
  if (Rank(world) != 0) return 0;
  for (const auto& [key, value] : env.fields) fmt::print("{:<22} {}\n", key, value);
  for (std::size_t r = 0; r < env.hostnames.size(); ++r)
    fmt::print("rank {:<17} host {} cpus {}\n", r, env.hostnames[r], env.rank_cpus[r]);
  return 0;
}

int ValidateCommand(MPI_Comm world, int thread_level, const std::vector<std::string>& paths) {
  int bad = 0;
  for (const std::string& path : paths) {
    try {
      const Experiment experiment = LoadExperiment(world, path, thread_level);
      if (Rank(world) == 0)
        fmt::print("{}: valid: {} runs, needs {} rank(s): mpirun -n {} parlab run {}\n", path,
                   experiment.runs.size(), experiment.ranks_needed(), experiment.ranks_needed(),
                   path);
    } catch (const ConfigError& e) {
      ++bad;
      if (Rank(world) == 0) fmt::print(stderr, "parlab: error: {}\n", e.what());
    }
  }
  return bad == 0 ? 0 : kExitBadInput;
}

}  // namespace parlab
