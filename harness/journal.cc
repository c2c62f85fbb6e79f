#include "harness/journal.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/collective.h"
#include "core/mpi_util.h"
#include "harness/environment.h"

namespace parlab {
namespace {

constexpr int kJournalVersion = 5;  // 4: summed results, warm-ups once per run for steady
                                     // kernels; 5: the work's working set

std::string Line(const RunSpec& spec, const RunOutcome& outcome) {
  // The outcome is JSON already: embedded as is, not parsed and printed again.
  return fmt::format("{{\"id\":{},\"run\":{},\"record\":{}}}\n", nlohmann::json(spec.id).dump(),
                     nlohmann::json(spec.Fingerprint()).dump(), EncodeOutcome(outcome));
}

std::string WriteAndSync(int fd, const std::string& text, const std::string& path) {
  std::string error = WriteAll(fd, text, "journal " + path);
  if (error.empty() && fdatasync(fd) != 0)
    error = fmt::format("journal {}: cannot sync to disk: {}", path, std::strerror(errno));
  return error;
}

const RunSpec* FindRun(const Experiment& experiment, const std::string& id) {
  for (const RunSpec& spec : experiment.runs)
    if (spec.id == id) return &spec;
  return nullptr;
}

// One entry: its run (checked against the experiment) and its validated outcome.
std::pair<std::string, RunOutcome> ReadEntry(const nlohmann::json& entry, const std::string& where,
                                             const Experiment& experiment) {
  const std::string id = entry["id"];
  const RunSpec* spec = FindRun(experiment, id);
  const std::string now = spec == nullptr ? "no such run" : spec->Fingerprint();
  if (now != entry["run"].get<std::string>())
    throw ConfigError(fmt::format(
        "{}: cannot resume: {} was measured as '{}' but {} now gives '{}'; run without "
        "--resume to start afresh", where, id, entry["run"].get<std::string>(),
        experiment.config_path, now));
  try {
    return {id, DecodeOutcome(entry["record"].dump(), {spec->shape.ranks, spec->shape.threads,
                                                       spec->max_repetitions})};
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {} is damaged: {}; move the journal away to start the "
                                  "experiment afresh", where, id, e.what()));
  }
}

// Rank 0's part of LoadJournal: outcomes by id, or throws ConfigError.
FinishedRuns ReadJournal(const std::string& path, const Experiment& experiment) {
  FinishedRuns runs;
  if (FileKind(path).empty()) return runs;
  std::istringstream in(ReadBoundedFile(path, kMaxJournalBytes));
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    const bool last = in.peek() == std::istringstream::traits_type::eof();
    const nlohmann::json entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (number == 1) {
      // json::value() throws on a mistyped field: the type is checked before the value.
      const bool ours = entry.is_object() && entry.contains("parlab_journal") &&
                        entry["parlab_journal"].is_number_integer() &&
                        entry["parlab_journal"].get<long long>() == kJournalVersion;
      if (!ours)
        throw ConfigError(fmt::format("{}: not a parlab journal (version {}): move it away to "
                                      "start the experiment afresh", path, kJournalVersion));
      continue;
    }
    const bool complete = entry.is_object() && entry.contains("id") && entry["id"].is_string() &&
                          entry.contains("run") && entry["run"].is_string() &&
                          entry.contains("record") && entry["record"].is_object();
    if (!complete) {
      // A crash while appending leaves the last entry cut short; anything else is damage.
      if (last) break;
      throw ConfigError(fmt::format("{}:{}: not a journal entry: the journal is damaged; move "
                                    "it away to start the experiment afresh", path, number));
    }
    auto [id, outcome] = ReadEntry(entry, fmt::format("{}:{}", path, number), experiment);
    if (!runs.emplace(id, std::move(outcome)).second)
      throw ConfigError(fmt::format("{}:{}: {} is in the journal twice: it is damaged; move it "
                                    "away to start the experiment afresh", path, number, id));
  }
  return runs;
}

}  // namespace

std::string JournalPath(const std::string& output) { return output + ".journal"; }

FinishedRuns LoadJournal(MPI_Comm world, const std::string& path, const Experiment& experiment) {
  std::string error;
  nlohmann::json encoded = nlohmann::json::object();
  FinishedRuns runs;
  if (Rank(world) == 0) {
    try {
      runs = ReadJournal(path, experiment);
      for (const auto& [id, outcome] : runs) encoded[id] = EncodeOutcome(outcome);
    } catch (const ConfigError& e) {
      error = e.what();
    }
  }
  error = BroadcastString(world, error);
  if (!error.empty()) throw ConfigError(error);
  const nlohmann::json shared = nlohmann::json::parse(BroadcastString(world, encoded.dump()));
  if (Rank(world) == 0) return runs;
  for (const auto& [id, text] : shared.items()) {
    const RunSpec& spec = *FindRun(experiment, id);
    runs.emplace(id, DecodeOutcome(text.get<std::string>(),
                                   {spec.shape.ranks, spec.shape.threads, spec.max_repetitions}));
  }
  return runs;
}

RunJournal::RunJournal(MPI_Comm world, std::string path, const Experiment& experiment,
                       const FinishedRuns& kept)
    : world_(world), path_(std::move(path)) {
  std::string error;
  if (Rank(world) == 0) {
    // Written beside and renamed, so a crash now leaves the old journal or the new one. The
    // descriptor stays open for the appends: nothing is reopened by name.
    const std::string fresh = path_ + ".new";
    if (FileKind(fresh) == "a regular file") std::remove(fresh.c_str());  // a crash's leftover
    error = CheckReplaceable(path_);
    if (!error.empty()) error = fmt::format("journal {}: is {}, not a journal", path_, error);
    if (error.empty()) file_ = CreateNewFile(fresh, &error);
    if (error.empty()) {
      std::string text = nlohmann::json{{"parlab_journal", kJournalVersion},
                                        {"config_path", experiment.config_path},
                                        {"started_utc", UtcNow()}}.dump() + "\n";
      for (const RunSpec& spec : experiment.runs)
        if (auto it = kept.find(spec.id); it != kept.end()) text += Line(spec, it->second);
      error = WriteAndSync(file_.get(), text, fresh);
      if (error.empty() && std::rename(fresh.c_str(), path_.c_str()) != 0)
        error = fmt::format("journal {}: cannot rename {}: {}", path_, fresh, std::strerror(errno));
      if (!error.empty()) std::remove(fresh.c_str());
    }
  }
  AgreeOrThrow(world, error);
}

void RunJournal::Append(const RunSpec& spec, const RunOutcome& outcome) {
  std::string error;
  if (file_.valid()) error = WriteAndSync(file_.get(), Line(spec, outcome), path_);
  AgreeOrThrow(world_, error);
}

void RunJournal::Remove() {
  if (!file_.valid()) return;
  file_.Close(path_);
  std::remove(path_.c_str());
}

}  // namespace parlab
