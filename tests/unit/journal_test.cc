// The run journal: what a crash leaves must be read back exactly, a cut-short last entry
// dropped, damage and a changed config refused with a clear message.
#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "app/config.h"
#include "harness/journal.h"

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
  const std::string first = R"({"samples":[0.1,0.30000000000000004,1e-07],"status":"ok"})";
  const std::string third = R"({"samples":[],"status":"error"})";
  {
    RunJournal journal(MPI_COMM_WORLD, path_, experiment_, {});
    journal.Append(experiment_.runs[0], first);
    journal.Append(experiment_.runs[2], third);
  }
  const auto runs = LoadJournal(MPI_COMM_WORLD, path_, experiment_);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs.at("run-0001"), first);
  EXPECT_EQ(runs.at("run-0003"), third);
}

TEST_F(JournalTest, EntryCutShortByACrashIsDroppedAndRewritten) {
  {
    RunJournal journal(MPI_COMM_WORLD, path_, experiment_, {});
    journal.Append(experiment_.runs[0], R"({"status":"ok"})");
  }
  AppendRaw(R"({"id":"run-0002","run":"montecarlo serial size=2000,seed=42 1x1 reps)");
  auto runs = LoadJournal(MPI_COMM_WORLD, path_, experiment_);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs.count("run-0001"));
  // Resuming starts a clean journal with what was kept, so later entries follow whole lines.
  RunJournal resumed(MPI_COMM_WORLD, path_, experiment_, runs);
  resumed.Append(experiment_.runs[1], R"({"status":"ok"})");
  runs = LoadJournal(MPI_COMM_WORLD, path_, experiment_);
  EXPECT_EQ(runs.size(), 2u);
  EXPECT_EQ(Text().find("reps)"), std::string::npos);
}

TEST_F(JournalTest, DamageBeforeTheLastEntryIsRefused) {
  {
    RunJournal journal(MPI_COMM_WORLD, path_, experiment_, {});
    journal.Append(experiment_.runs[0], R"({"status":"ok"})");
  }
  AppendRaw("garbage\n");
  AppendRaw(R"({"id":"run-0002","run":"x","record":{}})" "\n");
  const std::string message = ExpectLoadError(path_, experiment_);
  EXPECT_NE(message.find(path_ + ":3: not a journal entry"), std::string::npos) << message;
}

TEST_F(JournalTest, RunMeasuredUnderAnotherConfigIsRefused) {
  {
    RunJournal journal(MPI_COMM_WORLD, path_, experiment_, {});
    journal.Append(experiment_.runs[0], R"({"status":"ok"})");
  }
  std::string changed = kConfig;
  changed.replace(changed.find("[1000, 2000]"), 12, "[1500, 2000]");
  const std::string message = ExpectLoadError(path_, ParseExperiment(changed, "exp.toml"));
  EXPECT_NE(message.find("cannot resume: run-0001 was measured as 'montecarlo serial size=1000"),
            std::string::npos) << message;
  EXPECT_NE(message.find("but exp.toml now gives 'montecarlo serial size=1500"), std::string::npos)
      << message;
}

TEST_F(JournalTest, OtherFilesAreNotJournals) {
  AppendRaw("{\"schema_version\": 1}\n");
  EXPECT_NE(ExpectLoadError(path_, experiment_).find("not a parlab journal"), std::string::npos);
}

TEST_F(JournalTest, RemoveDeletesTheFile) {
  RunJournal journal(MPI_COMM_WORLD, path_, experiment_, {});
  EXPECT_TRUE(std::filesystem::exists(path_));
  journal.Remove();
  EXPECT_FALSE(std::filesystem::exists(path_));
}

}  // namespace
}  // namespace parlab
