#include "app/config.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <filesystem>
#include <toml++/toml.h>

#include "app/config_reader.h"
#include "app/config_run.h"
#include "core/files.h"

namespace parlab {
namespace {

// Spreads threads this wide are refused outright: far beyond any node we target, and a
// typo like threads = 20000 would otherwise try to create them.
constexpr int kThreadCap = 1024;
constexpr std::uint64_t kMaxConfigBytes = 16 << 20;

void ReadExperimentTable(const ConfigReader& r, const toml::node& node, Experiment& experiment,
                         RunDefaults& defaults) {
  const auto* table = node.as_table();
  if (table == nullptr) r.Fail(node, "'experiment' must be a table: [experiment]");
  std::vector<std::string> allowed = {"name", "description", "output", "seed", "noise_floor"};
  allowed.insert(allowed.end(), kRunDefaultKeys.begin(), kRunDefaultKeys.end());
  r.RejectUnknownKeys(*table, "[experiment]", allowed);
  if (const auto* n = table->get("name")) {
    experiment.name = r.String(*n, "name");
    if (experiment.name.empty() || experiment.name.find('/') != std::string::npos)
      r.Fail(*n, fmt::format("key 'name' must be non-empty without '/', got '{}'", experiment.name));
  }
  if (const auto* n = table->get("description")) experiment.description = r.String(*n, "description");
  if (const auto* n = table->get("output")) {
    experiment.output = r.String(*n, "output");
    if (experiment.output.empty()) r.Fail(*n, "key 'output' must not be empty");
  }
  if (const auto* n = table->get("seed"))
    experiment.seed = static_cast<std::uint64_t>(r.Int(*n, "seed", 0));
  if (const auto* n = table->get("noise_floor")) experiment.noise_floor = r.Bool(*n, "noise_floor");
  ReadRunDefaults(r, *table, defaults);
}

}  // namespace

int MaxThreadsPerRank() { return std::min(kThreadCap, omp_get_thread_limit()); }

std::string ReadConfigFile(const std::string& path) {
  const std::string kind = FileKind(path);
  if (kind.empty()) throw ConfigError(fmt::format("{}: config file not found", path));
  if (kind == "a directory") throw ConfigError(fmt::format("{}: is a directory, not a config file", path));
  try {
    return ReadBoundedFile(path, kMaxConfigBytes, /*follow_symlink=*/true);  // only read
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("config file {}", e.what()));
  }
}

Experiment ParseExperiment(const std::string& text, const std::string& path, int thread_level) {
  const ConfigReader r(path);
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& error) {
    throw ConfigError(fmt::format("{}:{}: {}", path, error.source().begin.line,
                                  std::string(error.description())));
  }
  r.RejectUnknownKeys(root, "the top level", {"probe", "experiment", "run"});
  Experiment experiment;
  // probe = false: no ceilings measured or read (the report records them as disabled).
  if (const auto* node = root.get("probe")) experiment.probe = r.Bool(*node, "probe");
  experiment.config_path = path;
  experiment.config_text = text;
  experiment.name = std::filesystem::path(path).stem().string();
  RunDefaults defaults;
  if (const auto* node = root.get("experiment")) ReadExperimentTable(r, *node, experiment, defaults);
  if (experiment.output.empty()) experiment.output = "results/reports/" + experiment.name + ".h5";

  const auto* runs = root.get("run");
  if (runs == nullptr) r.Fail(toml::source_region{}, "no [[run]] tables: nothing to measure");
  const auto* array = runs->as_array();
  if (array == nullptr || !array->is_array_of_tables())
    r.Fail(*runs, "'run' must be an array of tables: write [[run]]");
  int block = 0;
  for (const auto& node : *array)
    ExpandRunTable(r, *node.as_table(), ++block, defaults, thread_level, experiment.runs);
  if (experiment.runs.empty()) r.Fail(*runs, "the [[run]] tables expand to no runs");
  for (std::size_t i = 0; i < experiment.runs.size(); ++i) {
    experiment.runs[i].index = static_cast<int>(i);
    experiment.runs[i].id = fmt::format("run-{:04d}", i + 1);
  }
  return experiment;
}

}  // namespace parlab
