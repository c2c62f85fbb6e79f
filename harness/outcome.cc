#include "harness/outcome.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/collective.h"
#include "core/errors.h"
#include "core/mpi_util.h"

namespace parlab {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxText = 1 << 16;  // bytes of one message, note or warning

// Reads the fields of one JSON object, each checked for type and range; every failure
// names the field and the value.
class Fields {
 public:
  explicit Fields(const json& object) : object_(object) {
    if (!object_.is_object()) throw ConfigError("the run's record is not a JSON object");
  }
  const json& At(const char* name) const {
    const auto it = object_.find(name);
    if (it == object_.end()) throw ConfigError(fmt::format("field '{}' is missing", name));
    return *it;
  }
  [[noreturn]] void Bad(const char* name, const std::string& what) const {
    std::string value = At(name).dump();
    if (value.size() > 80) value = value.substr(0, 77) + "...";
    throw ConfigError(fmt::format("field '{}' {}, got {}", name, what, value));
  }
  long long Int(const char* name, long long min, long long max) const {
    const json& v = At(name);
    if (!v.is_number_integer()) Bad(name, "must be an integer");
    const long long value = v.get<long long>();
    if (value < min || value > max) Bad(name, fmt::format("must be in [{}, {}]", min, max));
    return value;
  }
  double Number(const char* name, double min) const { return NumberOf(name, At(name), min); }
  double NumberOf(const char* name, const json& v, double min) const {
    if (!v.is_number()) Bad(name, "must be a number");
    const double value = v.get<double>();
    if (!std::isfinite(value) || value < min) Bad(name, fmt::format("must be a finite number >= {}", min));
    return value;
  }
  std::string Text(const char* name) const { return TextOf(name, At(name)); }
  std::string TextOf(const char* name, const json& v) const {
    if (!v.is_string()) Bad(name, "must be a string");
    std::string text = v.get<std::string>();
    if (text.size() > kMaxText) Bad(name, fmt::format("must be at most {} bytes", kMaxText));
    return text;
  }
  bool Bool(const char* name) const {
    if (!At(name).is_boolean()) Bad(name, "must be true or false");
    return At(name).get<bool>();
  }
  const json& Array(const char* name, std::size_t size) const {
    const json& v = At(name);
    if (!v.is_array()) Bad(name, "must be an array");
    if (size != kAnySize && v.size() != size) Bad(name, fmt::format("must have {} entries", size));
    return v;
  }
  std::vector<std::string> Texts(const char* name, std::size_t size = kAnySize) const {
    std::vector<std::string> texts;
    for (const json& item : Array(name, size)) texts.push_back(TextOf(name, item));
    return texts;
  }
  static constexpr std::size_t kAnySize = std::numeric_limits<std::size_t>::max();

 private:
  const json& object_;
};

std::vector<KernelResult> ReadResults(const Fields& f) {
  std::vector<KernelResult> results;
  for (const json& item : f.Array("results", Fields::kAnySize)) {
    const Fields r(item);
    const json& value = r.At("value");  // NaN is written as null
    results.push_back({r.Text("name"),
                       value.is_null() ? std::nan("") : r.NumberOf("value", value, -HUGE_VAL),
                       r.Text("unit"), r.Text("description"),
                       item.contains("summed") && r.Bool("summed")});  // absent: older journals
  }
  return results;
}

std::map<std::string, std::string> ReadNotes(const Fields& f) {
  const json& notes = f.At("notes");
  if (!notes.is_object()) f.Bad("notes", "must be an object of strings");
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : notes.items()) out[key] = f.TextOf("notes", value);
  return out;
}

SampleTable ReadSamples(const Fields& f, int repetitions, int ranks) {
  const std::size_t count = static_cast<std::size_t>(repetitions) * ranks * kColumns;
  std::vector<double> values;
  values.reserve(count);
  for (const json& v : f.Array("samples", count)) values.push_back(f.NumberOf("samples", v, 0));
  return SampleTable(repetitions, ranks, std::move(values));
}

std::vector<RepetitionMark> ReadMarks(const Fields& f, int repetitions) {
  const auto count = static_cast<std::size_t>(repetitions);
  const json& rounds = f.Array("rounds", count);
  const json& started = f.Array("started_s", count);
  const json& steal = f.Array("steal", count);
  const json& mhz = f.Array("cpu_mhz", count);
  std::vector<RepetitionMark> marks(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (!rounds[i].is_number_integer() || rounds[i].get<long long>() < 0 ||
        rounds[i].get<long long>() > 100000000)
      f.Bad("rounds", "must hold round numbers (integers >= 0)");
    marks[i].round = rounds[i].get<int>();
    marks[i].started_s = f.NumberOf("started_s", started[i], 0);
    marks[i].steal = f.NumberOf("steal", steal[i], 0);
    if (marks[i].steal > 1) f.Bad("steal", "must hold shares in [0, 1]");
    marks[i].cpu_mhz = f.NumberOf("cpu_mhz", mhz[i], 0);
  }
  return marks;
}

}  // namespace

void RunOutcome::AppendBlock(RunOutcome block) {
  samples.Append(block.samples);
  marks.insert(marks.end(), block.marks.begin(), block.marks.end());
  loop_s += block.loop_s;
  elapsed_s += block.elapsed_s;
  blocks += block.blocks;
  oversubscribed = oversubscribed || block.oversubscribed;
  for (std::string& warning : block.warnings)
    if (std::find(warnings.begin(), warnings.end(), warning) == warnings.end())
      warnings.push_back(std::move(warning));
  if (cpu_sets.empty()) {
    cpu_sets = std::move(block.cpu_sets);
    places = std::move(block.places);
  }
  if (status == RunStatus::kOk || block.status != RunStatus::kOk) {
    status = block.status;
    message = std::move(block.message);
  }
  work = block.work;
  // A block that failed before computing anything has no results: the run keeps its own.
  if (!block.results.empty()) {
    for (KernelResult& result : block.results)
      if (const KernelResult* before = FindResult(results, result.name); result.summed && before)
        result.value += before->value;
    results = std::move(block.results);
  }
  notes = std::move(block.notes);
  finished_utc = std::move(block.finished_utc);
  nodes = block.nodes;
}

std::vector<int> RunOutcome::Rounds() const {
  std::vector<int> rounds;
  for (const RepetitionMark& mark : marks) rounds.push_back(mark.round);
  return rounds;
}

SampleTable GatherSamples(const std::vector<double>& local_rows, int repetitions, MPI_Comm comm) {
  const int ranks = Size(comm);
  const std::size_t per_rank = static_cast<std::size_t>(repetitions) * kColumns;
  std::vector<double> gathered(per_rank * ranks);
  MPI_Gather(local_rows.data(), static_cast<int>(per_rank), MPI_DOUBLE, gathered.data(),
             static_cast<int>(per_rank), MPI_DOUBLE, 0, comm);
  if (Rank(comm) != 0) return {};
  // Gathered as [rank][rep][column]; stored as [rep][rank][column].
  std::vector<double> values(per_rank * ranks);
  for (int r = 0; r < ranks; ++r)
    for (int rep = 0; rep < repetitions; ++rep)
      for (int c = 0; c < kColumns; ++c)
        values[(static_cast<std::size_t>(rep) * ranks + r) * kColumns + c] =
            gathered[static_cast<std::size_t>(r) * per_rank + rep * kColumns + c];
  return SampleTable(repetitions, ranks, std::move(values));
}

std::string EncodeOutcome(const RunOutcome& o) {
  json results = json::array();
  for (const auto& k : o.results)
    results.push_back({{"name", k.name}, {"value", k.value}, {"unit", k.unit},
                       {"description", k.description}, {"summed", k.summed}});
  json rounds = json::array(), started = json::array(), steal = json::array(), mhz = json::array();
  std::vector<RepetitionMark> marks = o.marks;  // one per repetition (unknown: zeros)
  marks.resize(static_cast<std::size_t>(o.repetitions()));
  for (const RepetitionMark& mark : marks) {
    rounds.push_back(mark.round);
    started.push_back(mark.started_s);
    steal.push_back(mark.steal);
    mhz.push_back(mark.cpu_mhz);
  }
  return json{{"status", kRunStatusNames.Name(o.status)}, {"message", o.message},
              {"rounds", rounds}, {"started_s", started}, {"steal", steal}, {"cpu_mhz", mhz},
              {"stop_reason", kStopReasonNames.Name(o.stop_reason)}, {"blocks", o.blocks},
              {"repetitions", o.repetitions()}, {"ranks", o.ranks()},
              {"samples", o.samples.values()}, {"work_amount", o.work.amount},
              {"work_unit", o.work.unit}, {"rate_unit", o.work.rate_unit},
              {"rate_scale", o.work.rate_scale}, {"work_flops", o.work.flops},
              {"work_bytes", o.work.bytes}, {"work_working_set", o.work.working_set_bytes},
              {"results", results},
              {"cpu_sets", o.cpu_sets}, {"places", o.places},
              {"oversubscribed", o.oversubscribed}, {"warnings", o.warnings},
              {"loop_s", o.loop_s}, {"notes", o.notes}, {"elapsed_s", o.elapsed_s},
              {"nodes", o.nodes}, {"finished_utc", o.finished_utc}}
      .dump();
}

RunOutcome DecodeOutcome(const std::string& text, const OutcomeExpectation& expect) {
  const json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) throw ConfigError("the run's record is not valid JSON");
  const Fields f(parsed);
  RunOutcome o;
  const auto status = kRunStatusNames.Find(f.Text("status"));
  if (!status) f.Bad("status", "must be one of " + kRunStatusNames.List());
  o.status = *status;
  o.message = f.Text("message");
  const int repetitions = static_cast<int>(f.Int("repetitions", 0, expect.max_repetitions));
  f.Int("ranks", expect.ranks, expect.ranks);
  o.samples = ReadSamples(f, repetitions, expect.ranks);
  o.work = {f.Number("work_amount", 0), f.Text("work_unit"), f.Text("rate_unit"),
            f.Number("rate_scale", 0), f.Number("work_flops", 0),
            f.Number("work_bytes", 0), f.Number("work_working_set", 0)};
  o.results = ReadResults(f);
  // An abandoned run may not have learnt where its threads ran: no placement at all.
  const std::size_t threads = static_cast<std::size_t>(expect.ranks) * expect.threads;
  const std::size_t placed = f.Array("cpu_sets", Fields::kAnySize).empty() ? 0 : threads;
  o.cpu_sets = f.Texts("cpu_sets", placed);
  for (const json& place : f.Array("places", placed)) {
    if (!place.is_number_integer() || place.get<long long>() < -1 || place.get<long long>() > 1 << 20)
      f.Bad("places", "must hold OpenMP place numbers (integers >= -1)");
    o.places.push_back(place.get<int>());
  }
  o.oversubscribed = f.Bool("oversubscribed");
  o.warnings = f.Texts("warnings");
  o.loop_s = f.Number("loop_s", 0);
  o.notes = ReadNotes(f);
  o.elapsed_s = f.Number("elapsed_s", 0);
  o.nodes = static_cast<int>(f.Int("nodes", 1, expect.ranks));
  o.finished_utc = f.Text("finished_utc");
  o.marks = ReadMarks(f, repetitions);
  const auto reason = kStopReasonNames.Find(f.Text("stop_reason"));
  if (!reason) f.Bad("stop_reason", "must be one of " + kStopReasonNames.List());
  o.stop_reason = *reason;
  o.blocks = static_cast<int>(f.Int("blocks", 0, 100000000));
  return o;
}

RunOutcome ShareOutcome(MPI_Comm comm, RunOutcome outcome, const OutcomeExpectation& expect) {
  const std::string encoded = BroadcastString(comm, Rank(comm) == 0 ? EncodeOutcome(outcome) : "");
  std::string error;
  if (Rank(comm) != 0) {
    try {
      outcome = DecodeOutcome(encoded, expect);
    } catch (const ConfigError& e) {
      error = std::string("internal error: a run's outcome does not decode: ") + e.what();
    }
  }
  AgreeOrThrow(comm, error);  // never one rank alone out of the next collective
  return outcome;
}

}  // namespace parlab
