// The run journal: what a crash leaves must be read back exactly, a cut-short last entry
// dropped, damage and a changed config refused with a clear message.
#include <gtest/gtest.h>
#include <mpi.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "app/config.h"
#include "core/collective.h"
#include "harness/journal.h"

#include <nlohmann/json.hpp>

namespace parlab {
namespace {

const char* kConfig = R"(
[[run]]
kernel = "montecarlo"
models = ["serial", "processes"]
ranks = [1, 2]
size = [1000, 2000]
)";

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("parlab-journal-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "report.h5.journal").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Text() const {
    std::ifstream in(path_);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  void AppendRaw(const std::string& text) const { std::ofstream(path_, std::ios::app) << text; }

  std::filesystem::path dir_;
  std::string path_;
  Experiment experiment_ = ParseExperiment(kConfig, "exp.toml");
};

// A finished run's outcome on `ranks` ranks, `repetitions` repetitions with recognisable
// samples.
RunOutcome Outcome(RunStatus status, int repetitions, int ranks) {
  RunOutcome o;
  o.status = status;
  o.message = status == RunStatus::kOk ? "verified" : "went wrong";
  std::vector<double> samples;
  for (int i = 0; i < repetitions * ranks * kColumns; ++i) samples.push_back(0.1 * i + 1e-7);
  o.samples = SampleTable(repetitions, ranks, samples);
  o.work = {1000, "item", "items/s", 1};
  o.results = {{"pi_estimate", 3.14, "1", "pi"}, {"nothing", std::nan(""), "1", "NaN"},
               {"lost", 7, "1", "a count over the blocks", true}};
  o.cpu_sets.assign(static_cast<std::size_t>(ranks), "0-1");
  o.places.assign(static_cast<std::size_t>(ranks), -1);
  o.notes = {{"note", "text"}};
  o.finished_utc = "2026-12-01T00:00:00Z";
  return o;
}

std::string ExpectLoadError(const std::string& path, const Experiment& experiment) {
  try {
    LoadJournal(MPI_COMM_WORLD, path, experiment);
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
    return message;
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST_F(JournalTest, MissingJournalHoldsNothing) {
  EXPECT_TRUE(LoadJournal(MPI_COMM_WORLD, path_, experiment_).empty());
}

TEST_F(JournalTest, AppendedRunsComeBackExactly) {
  ASSERT_EQ(experiment_.runs.size(), 4u);
  const RunOutcome first = Outcome(RunStatus::kOk, 3, 1);
  const RunOutcome third = Outcome(RunStatus::kError, 0, 1);
  {
    RunJournal journal(MPI_COMM_WORLD, path_, experiment_, {});
    journal.Append(experiment_.runs[0], first);
    journal.Append(experiment_.runs[2], third);
  }
  const auto runs = LoadJournal(MPI_COMM_WORLD, path_, experiment_);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(EncodeOutcome(runs.at("run-0001")), EncodeOutcome(first));
  EXPECT_EQ(runs.at("run-0001").samples.values(), first.samples.values());  // bit for bit
  EXPECT_TRUE(std::isnan(runs.at("run-0001").results[1].value));
  EXPECT_EQ(EncodeOutcome(runs.at("run-0003")), EncodeOutcome(third));
}

TEST_F(JournalTest, AResultWithoutTheSummedFieldReadsAsNotSummed) {
  std::string record = EncodeOutcome(Outcome(RunStatus::kOk, 2, 1));
  for (const std::string field : {"\"summed\":false,", "\"summed\":true,"})
    for (std::size_t at; (at = record.find(field)) != std::string::npos;)
      record.erase(at, field.size());  // as a record written before the field
  ASSERT_EQ(record.find("summed"), std::string::npos);
  const RunOutcome read = DecodeOutcome(record, {1, 1, 1000});
  ASSERT_EQ(read.results.size(), 3u);
  for (const KernelResult& result : read.results) EXPECT_FALSE(result.summed) << result.name;
  EXPECT_EQ(read.results[2].value, 7);
}

// Every rank writes the report's attributes from the shared record: a field it lost would
// make ranks disagree on a collective HDF5 call (and hang).
TEST_F(JournalTest, TheWorkingSetTravelsWithTheRecord) {
  RunOutcome o = Outcome(RunStatus::kOk, 2, 1);
  o.work = {1000, "byte", "GB/s", 1e9, 20, 3000, 4096};
  const RunOutcome read = DecodeOutcome(EncodeOutcome(o), {1, 1, 1000});
  EXPECT_EQ(read.work.flops, 20);
  EXPECT_EQ(read.work.bytes, 3000);
  EXPECT_EQ(read.work.working_set_bytes, 4096);
}

TEST_F(JournalTest, EntryCutShortByACrashIsDroppedAndRewritten) {
  {
    RunJournal journal(MPI_COMM_WORLD, path_, experiment_, {});
    journal.Append(experiment_.runs[0], Outcome(RunStatus::kOk, 1, 1));
  }
  AppendRaw(R"({"id":"run-0002","run":"montecarlo serial size=2000,seed=42 1x1 reps)");
  auto runs = LoadJournal(MPI_COMM_WORLD, path_, experiment_);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs.count("run-0001"));
  // Resuming starts a clean journal with what was kept, so later entries follow whole lines.
  RunJournal resumed(MPI_COMM_WORLD, path_, experiment_, runs);
  resumed.Append(experiment_.runs[1], Outcome(RunStatus::kOk, 1, 2));
  runs = LoadJournal(MPI_COMM_WORLD, path_, experiment_);
  EXPECT_EQ(runs.size(), 2u);
  EXPECT_EQ(Text().find("reps)"), std::string::npos);
}

TEST_F(JournalTest, DamageBeforeTheLastEntryIsRefused) {
  {
    RunJournal journal(MPI_COMM_WORLD, path_, experiment_, {});
    journal.Append(experiment_.runs[0], Outcome(RunStatus::kOk, 1, 1));
  }
  AppendRaw("garbage\n");
  AppendRaw(R"({"id":"run-0002","run":"x","record":{}})" "\n");
  const std::string message = ExpectLoadError(path_, experiment_);
  EXPECT_NE(message.find(path_ + ":3: not a journal entry"), std::string::npos) << message;
}

TEST_F(JournalTest, RunMeasuredUnderAnotherConfigIsRefused) {
  {
    RunJournal journal(MPI_COMM_WORLD, path_, experiment_, {});
    journal.Append(experiment_.runs[0], Outcome(RunStatus::kOk, 1, 1));
  }
  std::string changed = kConfig;
  changed.replace(changed.find("[1000, 2000]"), 12, "[1500, 2000]");
  const std::string message = ExpectLoadError(path_, ParseExperiment(changed, "exp.toml"));
  EXPECT_NE(message.find("cannot resume: run-0001 was measured as 'montecarlo serial size=1000"),
            std::string::npos) << message;
  EXPECT_NE(message.find("but exp.toml now gives 'montecarlo serial size=1500"), std::string::npos)
      << message;
}

// Every field of an entry is validated before it is used (issue 13.2): a damaged one is
// one clear error naming the line, the run and the field, never garbage in a report.
TEST_F(JournalTest, EveryDamagedFieldIsRefusedNamingTheEntryAndTheField) {
  const RunOutcome good = Outcome(RunStatus::kOk, 2, 1);
  const nlohmann::json record = nlohmann::json::parse(EncodeOutcome(good));
  std::vector<std::pair<std::string, nlohmann::json>> damages;  // field, damaged record
  for (const auto& [field, value] : record.items()) {
    nlohmann::json missing = record;
    missing.erase(field);
    damages.emplace_back(field, missing);
    nlohmann::json wrong_type = record;
    wrong_type[field] = value.is_string() ? nlohmann::json(42) : nlohmann::json("banana");
    damages.emplace_back(field, wrong_type);
  }
  const auto with = [&](const char* field, nlohmann::json value) {
    nlohmann::json damaged = record;
    damaged[field] = std::move(value);
    damages.emplace_back(field, damaged);
  };
  with("status", "banana");
  nlohmann::json fewer = record;
  fewer["repetitions"] = 1;  // the samples hold 2: they no longer match
  damages.emplace_back("samples", fewer);
  with("ranks", 2);                                         // not the run's shape
  with("samples", std::vector<double>(5, 0.1));             // too few values
  with("repetitions", -1);
  with("nodes", 0);
  with("elapsed_s", -1.0);
  with("places", nlohmann::json::array({0.5}));
  with("message", std::string(1 << 17, 'x'));
  nlohmann::json negative = record;
  negative["samples"][3] = -1e-3;
  damages.emplace_back("samples", negative);
  nlohmann::json nan_sample = record;
  nan_sample["samples"][0] = nullptr;  // how JSON writes NaN
  damages.emplace_back("samples", nan_sample);
  for (const auto& [field, damaged] : damages) {
    {
      RunJournal journal(MPI_COMM_WORLD, path_, experiment_, {});
    }
    AppendRaw(R"({"id":"run-0001","run":)" + nlohmann::json(experiment_.runs[0].Fingerprint()).dump() +
              R"(,"record":)" + damaged.dump() + "}\n");
    AppendRaw(R"({"id":"run-0003","run":"cut short by a crash)");  // the damaged one is not last
    const std::string message = ExpectLoadError(path_, experiment_);
    EXPECT_NE(message.find(path_ + ":2: run-0001 is damaged: field '" + field + "'"), std::string::npos)
        << field << " in " << damaged.dump().substr(0, 200) << ": " << message;
  }
}

TEST_F(JournalTest, ARunInTheJournalTwiceIsRefused) {
  {
    RunJournal journal(MPI_COMM_WORLD, path_, experiment_, {});
    journal.Append(experiment_.runs[0], Outcome(RunStatus::kOk, 1, 1));
    journal.Append(experiment_.runs[0], Outcome(RunStatus::kOk, 1, 1));
  }
  EXPECT_NE(ExpectLoadError(path_, experiment_).find("run-0001 is in the journal twice"), std::string::npos);
}

TEST_F(JournalTest, AJournalThatIsNotARegularFileIsRefused) {
  std::filesystem::create_directory(path_);
  EXPECT_NE(ExpectLoadError(path_, experiment_).find("not a regular file"), std::string::npos);
  std::filesystem::remove(path_);
  ASSERT_EQ(mkfifo(path_.c_str(), 0600), 0);  // reading it would block for ever
  EXPECT_NE(ExpectLoadError(path_, experiment_).find("not a regular file"), std::string::npos);
  std::filesystem::remove(path_);
  std::filesystem::create_symlink("/etc/hostname", path_);
  EXPECT_NE(ExpectLoadError(path_, experiment_).find("symbolic link"), std::string::npos);
}

TEST_F(JournalTest, ANewJournalIsNeverWrittenThroughASymlinkOrIntoADevice) {
  std::filesystem::create_symlink("/dev/null", path_);
  EXPECT_THROW(RunJournal(MPI_COMM_WORLD, path_, experiment_, {}), CollectiveError);
  EXPECT_TRUE(std::filesystem::is_symlink(path_));  // left as it was
  std::filesystem::remove(path_);
  const std::string victim = (dir_ / "victim").string();
  std::ofstream(victim) << "precious";
  std::filesystem::create_symlink(victim, path_ + ".new");  // a planted temporary name
  EXPECT_THROW(RunJournal(MPI_COMM_WORLD, path_, experiment_, {}), CollectiveError);
  std::ifstream in(victim);
  std::string text;
  in >> text;
  EXPECT_EQ(text, "precious");
}

TEST_F(JournalTest, OtherFilesAreNotJournals) {
  AppendRaw("{\"schema_version\": 1}\n");
  EXPECT_NE(ExpectLoadError(path_, experiment_).find("not a parlab journal"), std::string::npos);
}

TEST_F(JournalTest, AMistypedVersionIsNotAJournal) {
  // Found by fuzz.libfuzzer_journal: a version given as a string escaped as a json type_error.
  for (const char* header : {"{\"parlab_journal\": \"3\"}\n", "{\"parlab_journal\": 3.5}\n",
                             "{\"parlab_journal\": null}\n"}) {
    std::filesystem::remove(path_);
    AppendRaw(header);
    EXPECT_NE(ExpectLoadError(path_, experiment_).find("not a parlab journal"), std::string::npos)
        << header;
  }
}

TEST_F(JournalTest, RemoveDeletesTheFile) {
  RunJournal journal(MPI_COMM_WORLD, path_, experiment_, {});
  EXPECT_TRUE(std::filesystem::exists(path_));
  journal.Remove();
  EXPECT_FALSE(std::filesystem::exists(path_));
}

}  // namespace
}  // namespace parlab
