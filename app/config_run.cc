#include "app/config_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "app/config.h"

namespace parlab {

const std::vector<std::string> kRunDefaultKeys = {"repetitions", "warmups", "min_time",
                                                  "max_repetitions", "timeout_s", "on_timeout"};

void ReadRunDefaults(const ConfigReader& r, const toml::table& table, RunDefaults& d) {
  if (const auto* n = table.get("repetitions"))
    d.repetitions = static_cast<int>(r.Int(*n, "repetitions", 1, 1000000));
  if (const auto* n = table.get("warmups"))
    d.warmups = static_cast<int>(r.Int(*n, "warmups", 0, 1000000));
  if (const auto* n = table.get("min_time")) d.min_time_s = r.Double(*n, "min_time", 0, 1e7);
  if (const auto* n = table.get("max_repetitions")) {
    d.max_repetitions = static_cast<int>(r.Int(*n, "max_repetitions", 1, 1000000));
    d.max_repetitions_given = true;
  }
  if (d.max_repetitions < d.repetitions) {
    if (d.max_repetitions_given)
      r.Fail(table, fmt::format("max_repetitions = {} is less than repetitions = {}",
                                d.max_repetitions, d.repetitions));
    d.max_repetitions = d.repetitions;
  }
  if (const auto* n = table.get("timeout_s")) {
    d.timeout_s = r.Double(*n, "timeout_s", 0);
    if (d.timeout_s <= 0 || d.timeout_s > 1e7)
      r.Fail(*n, fmt::format("key 'timeout_s' must be more than 0 and at most 1e7 seconds, "
                             "got {}", d.timeout_s));
  }
  if (const auto* n = table.get("on_timeout")) d.on_timeout = r.Choice(*n, "on_timeout", kOnTimeoutNames);
}

namespace {

constexpr std::size_t kMaxRuns = 100000;  // in one experiment

using Combo = std::map<std::string, ParamValue>;
using Cell = std::pair<const ExecutionModel*, Shape>;

class RunTable {
 public:
  RunTable(const ConfigReader& r, const toml::table& t, int block, int thread_level)
      : r_(r), t_(t), block_(block), thread_level_(thread_level),
        where_(fmt::format("[[run]] #{}", block)), kernel_(ReadKernel()) {}

  void Expand(const RunDefaults& base, std::vector<RunSpec>& runs) {
    CheckKeys();
    RunDefaults defaults = base;
    ReadRunDefaults(r_, t_, defaults);
    const ModelOptions options = ReadModelOptions();
    const std::vector<std::optional<IoStageSpec>> stages = ReadIoStages();
    const std::vector<std::int64_t> sizes = ReadSizes();
    const std::vector<Combo> combos = ReadCombos();
    const std::vector<Cell> cells = ReadCells();
    const double planned = static_cast<double>(stages.size()) * static_cast<double>(sizes.size()) *
                           static_cast<double>(combos.size()) * static_cast<double>(cells.size());
    if (planned + static_cast<double>(runs.size()) > kMaxRuns)
      r_.Fail(t_, fmt::format("{} expands to {:.0f} runs (at most {} in an experiment)", where_,
                              planned, kMaxRuns));
    for (const auto& stage : stages)
      for (std::int64_t size : sizes)
        for (const Combo& combo : combos)
          for (const auto& [model, shape] : cells) {
            RunSpec spec = MakeSpec(defaults, options, stage, model, shape);
            spec.params = KernelParams(size, combo);
            Check(spec);
            runs.push_back(std::move(spec));
          }
  }

 private:
  const KernelInfo& ReadKernel() const {
    const auto* node = t_.get("kernel");
    if (node == nullptr) r_.Fail(t_, fmt::format("{} has no 'kernel' key", where_));
    const std::string name = r_.String(*node, "kernel");
    const KernelInfo* info = FindKernel(name);
    if (info == nullptr) {
      std::vector<std::string> names;
      for (const auto& k : KernelTable()) names.push_back(k.name);
      r_.Fail(*node, fmt::format("unknown kernel '{}' (valid kernels: {})", name, Join(names)));
    }
    return *info;
  }

  void CheckKeys() const {
    std::vector<std::string> allowed = {"kernel", "models", "ranks", "threads", "size",
                                        "gil_interval_ms", "io_stage", "io_layout", "io_dir",
                                        "io_sync"};
    allowed.insert(allowed.end(), kRunDefaultKeys.begin(), kRunDefaultKeys.end());
    for (const auto& p : kernel_.params) allowed.push_back(p.name);
    r_.RejectUnknownKeys(t_, where_ + " (kernel " + kernel_.name + ")", allowed);
  }

  ModelOptions ReadModelOptions() const {
    ModelOptions options;
    if (const auto* n = t_.get("gil_interval_ms")) {
      options.gil_interval_s = r_.Double(*n, "gil_interval_ms", 0, 1e6) * 1e-3;
      if (options.gil_interval_s <= 0) r_.Fail(*n, "key 'gil_interval_ms' must be positive");
    }
    return options;
  }

  // The optional I/O stage: its mode may be an array to sweep ("none": no stage).
  std::vector<std::optional<IoStageSpec>> ReadIoStages() const {
    IoStageSpec stage;
    if (const auto* n = t_.get("io_layout")) stage.layout = r_.Choice(*n, "io_layout", kIoLayoutNames);
    if (const auto* n = t_.get("io_dir")) stage.dir = r_.String(*n, "io_dir");
    if (const auto* n = t_.get("io_sync")) stage.sync = r_.Bool(*n, "io_sync");
    const auto* node = t_.get("io_stage");
    if (node == nullptr) return {std::nullopt};
    std::vector<std::optional<IoStageSpec>> stages;
    std::vector<std::string> stateful;
    for (const KernelInfo& k : KernelTable())
      if (k.has_checkpoint_state) stateful.push_back(k.name);
    for (const auto* item : r_.Items(*node, "io_stage")) {
      const std::string name = r_.String(*item, "io_stage");
      const auto mode = kIoModeNames.Find(name);
      if (name != kNoIoStage && !mode)
        r_.Fail(*item, fmt::format("key 'io_stage' must be one of {}, {}, got '{}'", kNoIoStage,
                                   kIoModeNames.List(), name));
      if (mode && !kernel_.has_checkpoint_state)
        r_.Fail(*item, fmt::format("io_stage: kernel '{}' has no state to checkpoint (use {})",
                                   kernel_.name, Join(stateful)));
      stages.push_back(mode ? std::optional<IoStageSpec>(stage) : std::nullopt);
      if (mode) stages.back()->mode = *mode;
    }
    return stages;
  }

  std::vector<std::int64_t> ReadSizes() const {
    const auto* node = t_.get("size");
    if (node == nullptr)
      r_.Fail(t_, fmt::format("{} (kernel {}) has no 'size' key: {}", where_, kernel_.name,
                              kernel_.size_doc));
    std::vector<std::int64_t> sizes;
    for (const auto* item : r_.Items(*node, "size")) sizes.push_back(r_.Int(*item, "size", 1));
    return sizes;
  }

  ParamValue ReadParam(const toml::node& node, const ParamSpec& spec) const {
    switch (spec.type) {
      case ParamType::kInt:
        return r_.Int(node, spec.name, static_cast<std::int64_t>(spec.min_value),
                      static_cast<std::int64_t>(spec.max_value));
      case ParamType::kDouble:
        return r_.Double(node, spec.name, spec.min_value, spec.max_value);
      case ParamType::kBool:
        return r_.Bool(node, spec.name);
      case ParamType::kString: {
        std::string value = r_.String(node, spec.name);
        if (!spec.choices.empty() &&
            std::find(spec.choices.begin(), spec.choices.end(), value) == spec.choices.end())
          r_.Fail(node, fmt::format("key '{}' of kernel '{}' must be one of {}, got '{}'",
                                    spec.name, kernel_.name, Join(spec.choices), value));
        return value;
      }
    }
    return std::int64_t{0};
  }

  // The Cartesian product of every parameter given as an array.
  std::vector<Combo> ReadCombos() const {
    std::vector<Combo> combos(1);
    for (const ParamSpec& spec : kernel_.params) {
      std::vector<ParamValue> values;
      if (const auto* n = t_.get(spec.name)) {
        for (const auto* item : r_.Items(*n, spec.name)) values.push_back(ReadParam(*item, spec));
      } else {
        values.push_back(spec.default_value);
      }
      std::vector<Combo> next;
      for (const Combo& combo : combos)
        for (const ParamValue& value : values) {
          Combo extended = combo;
          extended[spec.name] = value;
          next.push_back(std::move(extended));
          if (next.size() > kMaxRuns)
            r_.Fail(t_, fmt::format("{}: the parameter arrays expand to more than {} runs",
                                    where_, kMaxRuns));
        }
      combos = std::move(next);
    }
    return combos;
  }

  std::vector<int> ReadCounts(const std::string& key, int cap, const char* too_many) const {
    const auto* node = t_.get(key);
    if (node == nullptr) return {1};
    std::vector<int> counts;
    for (const auto* item : r_.Items(*node, key)) {
      const std::int64_t value = r_.Int(*item, key, 1);
      if (value > cap)
        r_.Fail(*item, fmt::format("{} = {} is too many: at most {}{}", key, value, cap, too_many));
      counts.push_back(static_cast<int>(value));
    }
    return counts;
  }

  std::vector<const ExecutionModel*> ReadModels() const;
  std::vector<Cell> ReadCells() const;

  RunSpec MakeSpec(const RunDefaults& d, const ModelOptions& options,
                   const std::optional<IoStageSpec>& stage, const ExecutionModel* model,
                   Shape shape) const {
    RunSpec spec;
    spec.block = block_;
    spec.kernel = kernel_.name;
    spec.model = model->name();
    spec.shape = shape;
    spec.repetitions = d.repetitions;
    spec.warmups = d.warmups;
    spec.min_time_s = d.min_time_s;
    spec.max_repetitions = d.max_repetitions;
    spec.timeout_s = d.timeout_s;
    spec.on_timeout = d.on_timeout;
    spec.options = options;
    spec.io_stage = stage;
    return spec;
  }

  // The kernel's own check of what it can run, before any work.
  void Check(const RunSpec& spec) const {
    if (!kernel_.check) return;
    const std::string reason = kernel_.check(
        spec.params, {spec.shape, spec.model_info().event_loop(), thread_level_});
    if (!reason.empty())
      r_.Fail(t_, fmt::format("{} (kernel {}), {} {}x{}: {}", where_, kernel_.name, spec.model,
                              spec.shape.ranks, spec.shape.threads, reason));
  }

  const ConfigReader& r_;
  const toml::table& t_;
  int block_;
  int thread_level_;
  std::string where_;
  const KernelInfo& kernel_;
};

// Models, in the order given, but the baseline first so every other model has its
// baseline. Unlisted: every model without an event loop (those constrain the kernel's
// parameters, so they run only when asked for).
std::vector<const ExecutionModel*> RunTable::ReadModels() const {
  std::vector<const ExecutionModel*> models;
  const auto* node = t_.get("models");
  if (node == nullptr) {
    for (const ExecutionModel* m : ModelTable())
      if (!m->event_loop()) models.push_back(m);
    return models;
  }
  for (const auto* item : r_.Items(*node, "models")) {
    const std::string name = r_.String(*item, "models");
    const ExecutionModel* model = FindModel(name);
    if (model == nullptr) {
      std::vector<std::string> names;
      for (const ExecutionModel* m : ModelTable()) names.push_back(m->name());
      r_.Fail(*item, fmt::format("unknown model '{}' (valid models: {})", name, Join(names)));
    }
    if (std::find(models.begin(), models.end(), model) != models.end())
      r_.Fail(*item, fmt::format("model '{}' is listed twice", name));
    if (model->event_loop() && !kernel_.has_event_loop) {
      std::vector<std::string> names;
      for (const auto& k : KernelTable())
        if (k.has_event_loop) names.push_back(k.name);
      r_.Fail(*node, fmt::format("model '{}' needs a kernel with an event-loop form ({}), not '{}'",
                                 model->name(), Join(names), kernel_.name));
    }
    models.push_back(model);
  }
  std::stable_partition(models.begin(), models.end(),
                        [](const ExecutionModel* m) { return m->is_baseline(); });
  return models;
}

// Every model's shapes, in the order the ranks and threads lists give them. A model the
// user listed must get a shape; unlisted defaults just drop out.
std::vector<Cell> RunTable::ReadCells() const {
  const std::vector<int> ranks = ReadCounts("ranks", 1 << 20, "");
  const std::vector<int> threads = ReadCounts("threads", MaxThreadsPerRank(), " per rank here");
  std::vector<Cell> cells;
  for (const ExecutionModel* model : ReadModels()) {
    std::set<std::pair<int, int>> seen;
    for (int r : ranks)
      for (int t : threads)
        if (model->Accepts({r, t}) && seen.insert({r, t}).second) cells.push_back({model, {r, t}});
    if (seen.empty() && t_.get("models") != nullptr)
      r_.Fail(*t_.get("models"), fmt::format("model '{}' needs {}, but {} lists no such shape",
                                             model->name(), model->shape_rule(), where_));
  }
  return cells;
}

}  // namespace

void ExpandRunTable(const ConfigReader& reader, const toml::table& table, int block,
                    const RunDefaults& defaults, int thread_level, std::vector<RunSpec>& runs) {
  RunTable(reader, table, block, thread_level).Expand(defaults, runs);
}

}  // namespace parlab
