#include "app/config.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <toml++/toml.h>

namespace parlab {
namespace {

// Spreads threads this wide are refused outright: far beyond any node we target, and a
// typo like threads = 20000 would otherwise try to create them.
constexpr int kThreadCap = 1024;

class Context {
 public:
  explicit Context(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void Fail(const toml::source_region& where, const std::string& what) const {
    if (where.begin.line > 0) throw ConfigError(fmt::format("{}:{}: {}", path_, where.begin.line, what));
    throw ConfigError(fmt::format("{}: {}", path_, what));
  }
  [[noreturn]] void Fail(const toml::node& node, const std::string& what) const {
    Fail(node.source(), what);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}

void RejectUnknownKeys(const Context& ctx, const toml::table& table, const std::string& where,
                       const std::vector<std::string>& allowed) {
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
      ctx.Fail(key.source().begin.line > 0 ? key.source() : node.source(),
               fmt::format("unknown key '{}' in {} (valid keys: {})", name, where, Join(allowed)));
  }
}

std::int64_t GetInt(const Context& ctx, const toml::node& node, const std::string& key,
                    std::int64_t min) {
  const auto value = node.value_exact<std::int64_t>();
  if (!value) ctx.Fail(node, fmt::format("key '{}' must be an integer, got {}", key, TypeName(node)));
  if (*value < min)
    ctx.Fail(node, fmt::format("key '{}' must be at least {}, got {}", key, min, *value));
  return *value;
}

double GetDouble(const Context& ctx, const toml::node& node, const std::string& key, double min) {
  const auto value = node.value<double>();  // integers are accepted as numbers
  if (!value || node.is_boolean())
    ctx.Fail(node, fmt::format("key '{}' must be a number, got {}", key, TypeName(node)));
  if (!std::isfinite(*value) || *value < min)
    ctx.Fail(node, fmt::format("key '{}' must be a finite number >= {}, got {}", key, min, *value));
  return *value;
}

std::string GetString(const Context& ctx, const toml::node& node, const std::string& key) {
  const auto value = node.value_exact<std::string>();
  if (!value) ctx.Fail(node, fmt::format("key '{}' must be a string, got {}", key, TypeName(node)));
  return *value;
}

// A value that may be given as one item or as an array of items to sweep over.
std::vector<const toml::node*> Items(const Context& ctx, const toml::node& node,
                                     const std::string& key) {
  std::vector<const toml::node*> items;
  if (const auto* array = node.as_array()) {
    if (array->empty()) ctx.Fail(node, fmt::format("key '{}' must not be an empty array", key));
    for (const auto& item : *array) items.push_back(&item);
  } else {
    items.push_back(&node);
  }
  return items;
}

struct Defaults {
  int repetitions = 5;
  int warmups = 1;
  double min_time_s = 0;
  int max_repetitions = 1000;
  double timeout_s = 3600;
  std::string on_timeout = "continue";
};

// Keys that [experiment] sets for every run and a [[run]] may override.
const std::vector<std::string> kRunDefaultKeys = {"repetitions", "warmups", "min_time",
                                                  "max_repetitions", "timeout_s", "on_timeout"};

void ReadRepetitionKeys(const Context& ctx, const toml::table& table, Defaults& d) {
  if (const auto* n = table.get("repetitions"))
    d.repetitions = static_cast<int>(GetInt(ctx, *n, "repetitions", 1));
  if (const auto* n = table.get("warmups"))
    d.warmups = static_cast<int>(GetInt(ctx, *n, "warmups", 0));
  if (const auto* n = table.get("min_time")) d.min_time_s = GetDouble(ctx, *n, "min_time", 0);
  if (const auto* n = table.get("max_repetitions"))
    d.max_repetitions = static_cast<int>(GetInt(ctx, *n, "max_repetitions", 1));
  if (d.repetitions > 1000000 || d.max_repetitions > 1000000)
    ctx.Fail(table, "repetitions and max_repetitions must be at most 1000000");
  if (d.max_repetitions < d.repetitions) d.max_repetitions = d.repetitions;
  if (const auto* n = table.get("timeout_s")) {
    d.timeout_s = GetDouble(ctx, *n, "timeout_s", 0);
    if (d.timeout_s <= 0 || d.timeout_s > 1e7)
      ctx.Fail(*n, fmt::format("key 'timeout_s' must be more than 0 and at most 1e7 seconds, "
                               "got {}", d.timeout_s));
  }
  if (const auto* n = table.get("on_timeout")) {
    d.on_timeout = GetString(ctx, *n, "on_timeout");
    if (d.on_timeout != "continue" && d.on_timeout != "stop")
      ctx.Fail(*n, fmt::format("key 'on_timeout' must be one of continue, stop, got '{}'",
                               d.on_timeout));
  }
}

ParamValue ReadParam(const Context& ctx, const toml::node& node, const ParamSpec& spec,
                     const std::string& kernel) {
  switch (spec.type) {
    case ParamType::kInt:
      return GetInt(ctx, node, spec.name, static_cast<std::int64_t>(spec.min_value));
    case ParamType::kDouble:
      return GetDouble(ctx, node, spec.name, spec.min_value);
    case ParamType::kBool: {
      const auto value = node.value_exact<bool>();
      if (!value)
        ctx.Fail(node, fmt::format("key '{}' must be true or false, got {}", spec.name, TypeName(node)));
      return *value;
    }
    case ParamType::kString: {
      std::string value = GetString(ctx, node, spec.name);
      if (!spec.choices.empty() &&
          std::find(spec.choices.begin(), spec.choices.end(), value) == spec.choices.end())
        ctx.Fail(node, fmt::format("key '{}' of kernel '{}' must be one of {}, got '{}'",
                                   spec.name, kernel, Join(spec.choices), value));
      return value;
    }
  }
  return std::int64_t{0};
}

std::vector<int> ReadCounts(const Context& ctx, const toml::table& run, const std::string& key,
                            int cap) {
  const auto* node = run.get(key);
  if (node == nullptr) return {1};
  std::vector<int> counts;
  for (const auto* item : Items(ctx, *node, key)) {
    const std::int64_t value = GetInt(ctx, *item, key, 1);
    if (value > cap) {
      ctx.Fail(*item, key == "threads"
                          ? fmt::format("threads = {} is too many: at most {} per rank here", value, cap)
                          : fmt::format("{} = {} is too many (at most {})", key, value, cap));
    }
    counts.push_back(static_cast<int>(value));
  }
  return counts;
}

void ExpandBlock(const Context& ctx, const toml::table& run, int block, const Defaults& base,
                 std::vector<RunSpec>& runs) {
  const std::string where = fmt::format("[[run]] #{}", block);
  const auto* kernel_node = run.get("kernel");
  if (kernel_node == nullptr) ctx.Fail(run, fmt::format("{} has no 'kernel' key", where));
  const std::string kernel = GetString(ctx, *kernel_node, "kernel");
  const KernelInfo* info = FindKernel(kernel);
  if (info == nullptr) {
    std::vector<std::string> names;
    for (const auto& k : KernelTable()) names.push_back(k.name);
    ctx.Fail(*kernel_node, fmt::format("unknown kernel '{}' (valid kernels: {})", kernel, Join(names)));
  }

  std::vector<std::string> allowed = {"kernel", "models", "ranks", "threads", "size",
                                      "gil_interval_ms", "io_stage", "io_layout", "io_dir",
                                      "io_sync"};
  allowed.insert(allowed.end(), kRunDefaultKeys.begin(), kRunDefaultKeys.end());
  for (const auto& p : info->params) allowed.push_back(p.name);
  RejectUnknownKeys(ctx, run, where + " (kernel " + kernel + ")", allowed);

  Defaults d = base;
  ReadRepetitionKeys(ctx, run, d);
  ModelOptions options;
  if (const auto* n = run.get("gil_interval_ms")) {
    options.gil_interval_s = GetDouble(ctx, *n, "gil_interval_ms", 0) * 1e-3;
    if (options.gil_interval_s <= 0) ctx.Fail(*n, "key 'gil_interval_ms' must be positive");
  }

  // The optional I/O stage: its mode may be an array to sweep.
  std::vector<std::string> stages = {"none"};
  const auto choice = [&](const toml::node& node, const char* key,
                          const std::vector<std::string>& valid) {
    std::string value = GetString(ctx, node, key);
    if (std::find(valid.begin(), valid.end(), value) == valid.end())
      ctx.Fail(node, fmt::format("key '{}' must be one of {}, got '{}'", key, Join(valid), value));
    return value;
  };
  if (const auto* n = run.get("io_stage")) {
    stages.clear();
    for (const auto* item : Items(ctx, *n, "io_stage"))
      stages.push_back(choice(*item, "io_stage",
                              {"none", "blocking", "nonblocking", "independent", "hdf5"}));
  }
  std::string io_layout = "shared-file", io_dir = "/tmp";
  bool io_sync = false;
  if (const auto* n = run.get("io_layout"))
    io_layout = choice(*n, "io_layout", {"shared-file", "file-per-rank"});
  if (const auto* n = run.get("io_dir")) io_dir = GetString(ctx, *n, "io_dir");
  if (const auto* n = run.get("io_sync")) {
    if (!n->is_boolean()) ctx.Fail(*n, "key 'io_sync' must be true or false");
    io_sync = *n->value<bool>();
  }

  // Models, in the order given, but serial first so every other model has its baseline.
  std::vector<const ExecutionModel*> models;
  if (const auto* n = run.get("models")) {
    for (const auto* item : Items(ctx, *n, "models")) {
      const std::string name = GetString(ctx, *item, "models");
      const ExecutionModel* model = FindModel(name);
      if (model == nullptr) {
        std::vector<std::string> names;
        for (const auto& m : ModelTable()) names.push_back(m->name());
        ctx.Fail(*item, fmt::format("unknown model '{}' (valid models: {})", name, Join(names)));
      }
      if (std::find(models.begin(), models.end(), model) != models.end())
        ctx.Fail(*item, fmt::format("model '{}' is listed twice", name));
      if (const auto refused = info->refused_models.find(name); refused != info->refused_models.end())
        ctx.Fail(*item, fmt::format("kernel '{}' does not run under model '{}': {}", kernel, name,
                                    refused->second));
      models.push_back(model);
    }
  } else {
    // Event-loop models constrain the kernel's parameters: they run only when listed.
    for (const auto& m : ModelTable())
      if (!m->event_loop() && info->refused_models.count(m->name()) == 0) models.push_back(m.get());
  }
  for (const ExecutionModel* model : models) {
    if (model->event_loop() && !info->has_event_loop) {
      std::vector<std::string> names;
      for (const auto& k : KernelTable())
        if (k.has_event_loop) names.push_back(k.name);
      ctx.Fail(*run.get("models"), fmt::format("model '{}' needs a kernel with an event-loop "
                                               "form ({}), not '{}'",
                                               model->name(), Join(names), kernel));
    }
  }
  std::stable_partition(models.begin(), models.end(),
                        [](const ExecutionModel* m) { return m->name() == "serial"; });

  const std::vector<int> ranks = ReadCounts(ctx, run, "ranks", 1 << 20);
  const std::vector<int> threads = ReadCounts(ctx, run, "threads", MaxThreadsPerRank());

  const auto* size_node = run.get("size");
  if (size_node == nullptr)
    ctx.Fail(run, fmt::format("{} (kernel {}) has no 'size' key: {}", where, kernel, info->size_doc));
  std::vector<std::int64_t> sizes;
  for (const auto* item : Items(ctx, *size_node, "size")) sizes.push_back(GetInt(ctx, *item, "size", 1));

  // Cartesian product of every parameter given as an array.
  std::vector<std::map<std::string, ParamValue>> combos(1);
  for (const ParamSpec& spec : info->params) {
    std::vector<ParamValue> values;
    if (const auto* n = run.get(spec.name)) {
      for (const auto* item : Items(ctx, *n, spec.name))
        values.push_back(ReadParam(ctx, *item, spec, kernel));
    } else {
      values.push_back(spec.default_value);
    }
    std::vector<std::map<std::string, ParamValue>> next;
    for (const auto& combo : combos)
      for (const auto& value : values) {
        auto extended = combo;
        extended[spec.name] = value;
        next.push_back(std::move(extended));
        if (next.size() > 100000)
          ctx.Fail(run, fmt::format("{}: the parameter arrays expand to more than 100000 runs", where));
      }
    combos = std::move(next);
  }

  // A model the user listed must get a shape; unlisted defaults just drop out.
  const auto has_shape = [&](const ExecutionModel* model) {
    for (int r : ranks)
      for (int t : threads)
        if (model->Accepts({r, t})) return true;
    return false;
  };
  if (const auto* listed = run.get("models")) {
    for (const ExecutionModel* model : models)
      if (!has_shape(model))
        ctx.Fail(*listed, fmt::format("model '{}' needs {}, but {} lists no such shape",
                                      model->name(), model->shape_rule(), where));
  } else {
    std::erase_if(models, [&](const ExecutionModel* m) { return !has_shape(m); });
  }

  // Every model's shapes, in the order the ranks and threads lists give them.
  std::vector<std::pair<const ExecutionModel*, Shape>> cells;
  for (const ExecutionModel* model : models) {
    std::set<std::pair<int, int>> seen;
    for (int r : ranks)
      for (int t : threads)
        if (model->Accepts({r, t}) && seen.insert({r, t}).second) cells.push_back({model, {r, t}});
  }
  const double planned = static_cast<double>(stages.size()) * static_cast<double>(sizes.size()) *
                         static_cast<double>(combos.size()) * static_cast<double>(cells.size());
  if (planned + static_cast<double>(runs.size()) > 100000)
    ctx.Fail(run, fmt::format("{} expands to {:.0f} runs (at most 100000 in an experiment)",
                              where, planned));
  for (const std::string& stage : stages) {
    for (std::int64_t size : sizes) {
      for (const auto& combo : combos) {
        for (const auto& [model, shape] : cells) {
          RunSpec spec;
          spec.block = block;
          spec.kernel = kernel;
          spec.model = model->name();
          spec.shape = shape;
          spec.params = KernelParams(size, combo);
          spec.repetitions = d.repetitions;
          spec.warmups = d.warmups;
          spec.min_time_s = d.min_time_s;
          spec.max_repetitions = d.max_repetitions;
          spec.timeout_s = d.timeout_s;
          spec.on_timeout = d.on_timeout;
          spec.options = options;
          spec.io_stage = stage;
          spec.io_layout = io_layout;
          spec.io_dir = io_dir;
          spec.io_sync = io_sync;
          if (info->check) {
            const std::string why = info->check(spec.params, spec.model);
            if (!why.empty())
              ctx.Fail(run, fmt::format("{} (kernel {}, model {}): {}", where, kernel, spec.model, why));
          }
          runs.push_back(std::move(spec));
        }
      }
    }
  }
}

}  // namespace

int MaxThreadsPerRank() { return std::min(kThreadCap, omp_get_thread_limit()); }

std::string ReadConfigFile(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error))
    throw ConfigError(fmt::format("{}: config file not found", path));
  if (std::filesystem::is_directory(path, error))
    throw ConfigError(fmt::format("{}: is a directory, not a config file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot read config file", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Experiment ParseExperiment(const std::string& text, const std::string& path) {
  const Context ctx(path);
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& error) {
    throw ConfigError(fmt::format("{}:{}: {}", path, error.source().begin.line,
                                  std::string(error.description())));
  }
  RejectUnknownKeys(ctx, root, "the top level", {"experiment", "run"});

  Experiment experiment;
  experiment.config_path = path;
  experiment.config_text = text;
  experiment.name = std::filesystem::path(path).stem().string();
  Defaults defaults;
  if (const auto* node = root.get("experiment")) {
    const auto* table = node->as_table();
    if (table == nullptr) ctx.Fail(*node, "'experiment' must be a table: [experiment]");
    std::vector<std::string> allowed = {"name", "description", "output"};
    allowed.insert(allowed.end(), kRunDefaultKeys.begin(), kRunDefaultKeys.end());
    RejectUnknownKeys(ctx, *table, "[experiment]", allowed);
    if (const auto* n = table->get("name")) {
      experiment.name = GetString(ctx, *n, "name");
      if (experiment.name.empty() || experiment.name.find('/') != std::string::npos)
        ctx.Fail(*n, fmt::format("key 'name' must be non-empty without '/', got '{}'", experiment.name));
    }
    if (const auto* n = table->get("description")) experiment.description = GetString(ctx, *n, "description");
    if (const auto* n = table->get("output")) {
      experiment.output = GetString(ctx, *n, "output");
      if (experiment.output.empty()) ctx.Fail(*n, "key 'output' must not be empty");
    }
    ReadRepetitionKeys(ctx, *table, defaults);
  }
  if (experiment.output.empty()) experiment.output = "results/reports/" + experiment.name + ".h5";

  const auto* runs = root.get("run");
  if (runs == nullptr) ctx.Fail(toml::source_region{}, "no [[run]] tables: nothing to measure");
  const auto* array = runs->as_array();
  if (array == nullptr || !array->is_array_of_tables())
    ctx.Fail(*runs, "'run' must be an array of tables: write [[run]]");
  int block = 0;
  for (const auto& node : *array) ExpandBlock(ctx, *node.as_table(), ++block, defaults, experiment.runs);
  if (experiment.runs.empty()) ctx.Fail(*runs, "the [[run]] tables expand to no runs");
  if (experiment.runs.size() > 100000)
    ctx.Fail(*runs, fmt::format("the [[run]] tables expand to {} runs (at most 100000)",
                                experiment.runs.size()));
  for (std::size_t i = 0; i < experiment.runs.size(); ++i) {
    experiment.runs[i].index = static_cast<int>(i);
    experiment.runs[i].id = fmt::format("run-{:04d}", i + 1);
  }
  return experiment;
}

}  // namespace parlab
