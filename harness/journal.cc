#include "harness/journal.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "harness/environment.h"
#include "core/mpi_util.h"

namespace parlab {
namespace {

constexpr int kJournalVersion = 1;

std::string Line(const std::string& id, const std::string& fingerprint,
                 const std::string& record_json) {
  // The record is JSON already: embedded as is, not parsed and printed again.
  return fmt::format("{{\"id\":{},\"run\":{},\"record\":{}}}\n", nlohmann::json(id).dump(),
                     nlohmann::json(fingerprint).dump(), record_json);
}

// Writes all of `text`; "" or the error.
std::string WriteAll(int fd, const std::string& text, const std::string& path) {
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fmt::format("journal {}: cannot write: {}", path, std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  if (fdatasync(fd) != 0)
    return fmt::format("journal {}: cannot sync to disk: {}", path, std::strerror(errno));
  return "";
}

const RunSpec* FindRun(const Experiment& experiment, const std::string& id) {
  for (const RunSpec& spec : experiment.runs)
    if (spec.id == id) return &spec;
  return nullptr;
}

// Rank 0's part of LoadJournal: entries by id, or throws ConfigError.
std::map<std::string, std::string> ReadJournal(const std::string& path,
                                               const Experiment& experiment) {
  std::map<std::string, std::string> runs;
  std::ifstream in(path, std::ios::binary);
  if (!in) return runs;
  std::string text;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    const bool last = in.peek() == std::ifstream::traits_type::eof();
    nlohmann::json entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (number == 1) {
      if (!entry.is_object() || entry.value("parlab_journal", 0) != kJournalVersion)
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
    const std::string id = entry["id"];
    const RunSpec* spec = FindRun(experiment, id);
    const std::string now = spec == nullptr ? "no such run" : spec->Fingerprint();
    if (now != entry["run"].get<std::string>())
      throw ConfigError(fmt::format(
          "{}:{}: cannot resume: {} was measured as '{}' but {} now gives '{}'; run without "
          "--resume to start afresh", path, number, id, entry["run"].get<std::string>(),
          experiment.config_path, now));
    runs.emplace(id, entry["record"].dump());
  }
  return runs;
}

}  // namespace

std::string JournalPath(const std::string& output) { return output + ".journal"; }

std::map<std::string, std::string> LoadJournal(MPI_Comm world, const std::string& path,
                                               const Experiment& experiment) {
  std::string error;
  nlohmann::json runs = nlohmann::json::object();
  if (Rank(world) == 0) {
    try {
      for (auto& [id, record] : ReadJournal(path, experiment)) runs[id] = std::move(record);
    } catch (const ConfigError& e) {
      error = e.what();
    }
  }
  error = BroadcastString(world, error);
  if (!error.empty()) throw ConfigError(error);
  return nlohmann::json::parse(BroadcastString(world, runs.dump()))
      .get<std::map<std::string, std::string>>();
}

RunJournal::RunJournal(MPI_Comm world, std::string path, const Experiment& experiment,
                       const std::map<std::string, std::string>& kept)
    : world_(world), path_(std::move(path)) {
  std::string error;
  if (Rank(world) == 0) {
    // Written beside and renamed, so a crash now leaves the old journal or the new one.
    const std::string fresh = path_ + ".new";
    const int fd = open(fresh.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) {
      error = fmt::format("journal {}: cannot create: {}", fresh, std::strerror(errno));
    } else {
      std::string text = nlohmann::json{{"parlab_journal", kJournalVersion},
                                        {"config_path", experiment.config_path},
                                        {"started_utc", UtcNow()}}.dump() + "\n";
      for (const RunSpec& spec : experiment.runs)
        if (auto it = kept.find(spec.id); it != kept.end())
          text += Line(spec.id, spec.Fingerprint(), it->second);
      error = WriteAll(fd, text, fresh);
      close(fd);
      if (error.empty() && std::rename(fresh.c_str(), path_.c_str()) != 0)
        error = fmt::format("journal {}: cannot rename {}: {}", path_, fresh, std::strerror(errno));
      if (error.empty()) {
        fd_ = open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd_ < 0) error = fmt::format("journal {}: cannot open: {}", path_, std::strerror(errno));
      }
    }
  }
  AgreeOrThrow(world, error);
}

RunJournal::~RunJournal() {
  if (fd_ >= 0) close(fd_);
}

void RunJournal::Append(const RunSpec& spec, const std::string& record_json) {
  std::string error;
  if (fd_ >= 0) error = WriteAll(fd_, Line(spec.id, spec.Fingerprint(), record_json), path_);
  AgreeOrThrow(world_, error);
}

void RunJournal::Remove() {
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
    std::remove(path_.c_str());
  }
}

}  // namespace parlab
