#include <gtest/gtest.h>

#include <string>

#include "app/config.h"

namespace parlab {
namespace {

void ExpectError(const std::string& text, std::initializer_list<std::string> fragments);

const char* kMinimalRun = R"(
[[run]]
kernel = "montecarlo"
size = 1000
)";

// Expects ParseExperiment to fail with a message containing every fragment.
void ExpectError(const std::string& text, std::initializer_list<std::string> fragments) {
  try {
    ParseExperiment(text, "exp.toml");
    FAIL() << "no error for:\n" << text;
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    for (const auto& fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos)
          << "message '" << message << "' lacks '" << fragment << "'";
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
  }
}

TEST(Config, MinimalRunGetsDefaults) {
  const Experiment e = ParseExperiment(kMinimalRun, "dir/minimal.toml");
  EXPECT_EQ(e.name, "minimal");
  EXPECT_EQ(e.output, "results/reports/minimal.h5");
  ASSERT_EQ(e.runs.size(), 1u);  // only serial has a shape in ranks=[1] x threads=[1]
  EXPECT_EQ(e.runs[0].model, "serial");
  EXPECT_EQ(e.runs[0].repetitions, 5);
  EXPECT_EQ(e.runs[0].warmups, 1);
  EXPECT_EQ(e.runs[0].params.Int("seed"), 42);
  EXPECT_EQ(e.runs[0].id, "run-0001");
}

TEST(Config, ProbeAtTheTopLevelSwitchesTheCeilingsOff) {
  EXPECT_TRUE(ParseExperiment(kMinimalRun, "x.toml").probe);
  EXPECT_FALSE(ParseExperiment(std::string("probe = false\n") + kMinimalRun, "x.toml").probe);
  EXPECT_TRUE(ParseExperiment(std::string("probe = true\n") + kMinimalRun, "x.toml").probe);
  ExpectError(std::string("probe = \"no\"\n") + kMinimalRun, {"exp.toml:1:", "probe"});
}

TEST(Config, ExpandsModelsShapesAndParameterSweeps) {
  const Experiment e = ParseExperiment(R"(
[experiment]
repetitions = 3
[[run]]
kernel = "counter"
variant = ["mutex", "racy"]
models = ["hybrid", "threads", "serial", "processes", "gil"]
size = [10, 20]
ranks = [1, 2]
threads = [1, 2]
)", "x.toml");
  // Per size and variant: serial 1, threads 1, processes 1, hybrid 1, gil 2 (1x2, 2x2).
  EXPECT_EQ(e.runs.size(), 2u * 2u * 6u);
  EXPECT_EQ(e.runs[0].model, "serial");  // serial moved first: every group has a baseline
  EXPECT_EQ(e.runs[1].model, "hybrid");
  EXPECT_EQ(e.ranks_needed(), 2);
  for (const auto& run : e.runs) {
    EXPECT_EQ(run.repetitions, 3);
    EXPECT_TRUE(FindModel(run.model)->Accepts(run.shape));
  }
}

TEST(Config, RunLevelOverridesExperimentDefaults) {
  const std::string text = R"(
[experiment]
repetitions = 3
warmups = 2
min_time = 0.5
timeout_s = 120
[[run]]
kernel = "empty"
size = 1
repetitions = 7
gil_interval_ms = 2.5
on_timeout = "stop"
[[run]]
kernel = "empty"
size = 2
timeout_s = 0.5
)";
  const Experiment e = ParseExperiment(text, "x.toml");
  EXPECT_EQ(e.runs[0].repetitions, 7);
  EXPECT_EQ(e.runs[0].warmups, 2);
  EXPECT_DOUBLE_EQ(e.runs[0].min_time_s, 0.5);
  EXPECT_DOUBLE_EQ(e.runs[0].options.gil_interval_s, 0.0025);
  EXPECT_DOUBLE_EQ(e.runs[0].timeout_s, 120);
  EXPECT_EQ(e.runs[0].on_timeout, OnTimeout::kStop);
  EXPECT_DOUBLE_EQ(e.runs[1].timeout_s, 0.5);
  EXPECT_EQ(e.runs[1].on_timeout, OnTimeout::kContinue);
  // The watchdog's limits are not part of what a run measures: a journal entry still
  // resumes when they change; anything measured does change the fingerprint.
  std::string relaxed = text;
  relaxed.replace(relaxed.find("timeout_s = 0.5"), 15, "timeout_s = 9.0");
  relaxed.replace(relaxed.find("on_timeout = \"stop\""), 19, "on_timeout = \"continue\"");
  const Experiment r = ParseExperiment(relaxed, "x.toml");
  for (int i : {0, 1}) EXPECT_EQ(e.runs[i].Fingerprint(), r.runs[i].Fingerprint());
  std::string changed = text;
  changed.replace(changed.find("min_time = 0.5"), 14, "min_time = 0.6");
  EXPECT_NE(e.runs[1].Fingerprint(), ParseExperiment(changed, "x.toml").runs[1].Fingerprint());
}

TEST(Config, WatchdogDefaultsAreGenerous) {
  const Experiment e = ParseExperiment(kMinimalRun, "x.toml");
  EXPECT_DOUBLE_EQ(e.runs[0].timeout_s, 3600);
  EXPECT_EQ(e.runs[0].on_timeout, OnTimeout::kContinue);
}

TEST(Config, IoStageSweepsAndLabels) {
  const Experiment e = ParseExperiment(
      "[[run]]\nkernel = \"triad\"\nsize = 10\nio_stage = [\"none\", \"nonblocking\"]\n"
      "io_layout = \"file-per-rank\"\nio_dir = \"/scratch\"\nio_sync = true\n", "x.toml");
  ASSERT_EQ(e.runs.size(), 2u);
  EXPECT_FALSE(e.runs[0].io_stage.has_value());  // "none"
  EXPECT_EQ(e.runs[0].Label(), "triad size=10");
  EXPECT_EQ(e.runs[1].Label(), "triad size=10 io_stage=nonblocking");
  ASSERT_TRUE(e.runs[1].io_stage.has_value());
  EXPECT_EQ(e.runs[1].io_stage->mode, IoMode::kNonblocking);
  EXPECT_EQ(e.runs[1].io_stage->layout, IoLayout::kFilePerRank);
  EXPECT_EQ(e.runs[1].io_stage->dir, "/scratch");
  EXPECT_TRUE(e.runs[1].io_stage->sync);
  ExpectError("[[run]]\nkernel = \"triad\"\nsize = 10\nio_stage = \"async\"\n",
              {"exp.toml:4:", "'io_stage'", "nonblocking", "'async'"});
}

TEST(Config, PlacementSweepsOutermostAndIsInTheFingerprint) {
  const Experiment e = ParseExperiment(R"(
[[run]]
kernel = "montecarlo"
size = 1000
models = ["serial", "threads"]
threads = [1, 2]
placement = ["compact", "2 per numa", "none"]
smt = [false, true]
)", "p.toml");
  // compact x {false, true}, 2 per numa x {false, true}, none (smt does not apply) = 5,
  // each with the serial and the threads shape.
  ASSERT_EQ(e.runs.size(), 10u);
  EXPECT_EQ(e.runs[0].PlacementText(), "compact");
  EXPECT_EQ(e.runs[1].PlacementText(), "compact");
  EXPECT_EQ(e.runs[2].PlacementText(), "compact smt");
  EXPECT_EQ(e.runs[4].PlacementText(), "2 per numa");
  EXPECT_EQ(e.runs[4].placement.ranks_per, 2);
  EXPECT_EQ(e.runs[4].placement.domain, Domain::kNuma);
  EXPECT_EQ(e.runs[8].PlacementText(), "none");
  EXPECT_FALSE(e.runs[8].bound());
  EXPECT_FALSE(e.runs[8].smt);
  // The label is the kernel group; the fingerprint tells the placements apart, and an
  // unbound run keeps the fingerprint it had before placements existed.
  EXPECT_EQ(e.runs[0].Label(), e.runs[8].Label());
  EXPECT_NE(e.runs[0].Fingerprint(), e.runs[8].Fingerprint());
  EXPECT_NE(e.runs[0].Fingerprint(), e.runs[2].Fingerprint());
  EXPECT_EQ(e.runs[8].Fingerprint().find("placement"), std::string::npos);
}

TEST(ConfigErrors, PlacementNamesAndTypes) {
  ExpectError(std::string(kMinimalRun) + "placement = \"tight\"\n",
              {"exp.toml:5", "unknown placement 'tight'", "valid placements: none, compact",
               "'<n> per socket|numa|l3'"});
  ExpectError(std::string(kMinimalRun) + "placement = [\"compact\", \"0 per numa\"]\n",
              {"exp.toml:5", "unknown placement '0 per numa'"});
  ExpectError(std::string(kMinimalRun) + "placement = 2\n", {"exp.toml:5", "placement"});
  ExpectError(std::string(kMinimalRun) + "smt = \"yes\"\n", {"exp.toml:5", "smt"});
}

TEST(ConfigErrors, AStyleNeedingAThreadLevelNotGrantedIsRefusedBeforeWork) {
  const std::string multiple =
      "[[run]]\nkernel = \"stencil\"\nsize = 16\nthreading = \"multiple\"\nmodels = "
      "[\"hybrid\"]\nranks = 2\nthreads = 2\n";
  const std::string talk =
      "[[run]]\nkernel = \"pingpong\"\nsize = 8\nthreads_talk = true\nmodels = "
      "[\"hybrid\"]\nranks = 2\nthreads = 2\n";
  for (const std::string& text : {multiple, talk}) {
    EXPECT_NO_THROW(ParseExperiment(text, "x.toml", MPI_THREAD_MULTIPLE));
    try {
      ParseExperiment(text, "x.toml", MPI_THREAD_FUNNELED);
      ADD_FAILURE() << "accepted under MPI_THREAD_FUNNELED: " << text;
    } catch (const ConfigError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("needs MPI_THREAD_MULTIPLE, the MPI library granted MPI_THREAD_FUNNELED"),
                std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;  // one line
    }
  }
  // One thread calls MPI from one thread only: no MPI_THREAD_MULTIPLE needed.
  const std::string one = "[[run]]\nkernel = \"stencil\"\nsize = 16\nthreading = \"multiple\"\n"
                          "models = [\"processes\"]\nranks = 2\n";
  EXPECT_NO_THROW(ParseExperiment(one, "x.toml", MPI_THREAD_FUNNELED));
  ExpectError("[[run]]\nkernel = \"stencil\"\nsize = 16\nthreading = \"overlap\"\n"
              "exchange = \"blocking\"\n",
              {"threading = \"overlap\"", "needs exchange = \"nonblocking\""});
}

TEST(ConfigErrors, UnparsableTomlNamesFileAndLine) {
  ExpectError("[experiment]\nname = \"x\"\nrepetitions = = 3\n", {"exp.toml:3:"});
}

TEST(ConfigErrors, UnknownKernelListsValidNames) {
  ExpectError("[[run]]\nkernel = \"dgem\"\nsize = 4\n",
              {"exp.toml:2:", "unknown kernel 'dgem'", "dgemm", "montecarlo", "counter"});
}

TEST(ConfigErrors, UnknownModelListsValidNames) {
  ExpectError("[[run]]\nkernel = \"dgemm\"\nsize = 4\nmodels = [\"serial\", \"fibers\"]\n",
              {"exp.toml:4:", "unknown model 'fibers'", "serial", "hybrid", "gil"});
}

TEST(ConfigErrors, UnknownKeysAreRejectedWithValidKeys) {
  ExpectError("[experiment]\nrepetition = 3\n[[run]]\nkernel = \"dgemm\"\nsize = 4\n",
              {"exp.toml:2:", "unknown key 'repetition'", "repetitions"});
  ExpectError("[[run]]\nkernel = \"dgemm\"\nsize = 4\nvariant = \"x\"\n",
              {"exp.toml:4:", "unknown key 'variant'", "impl"});
  ExpectError("[experiments]\n", {"unknown key 'experiments'"});
}

TEST(ConfigErrors, NonPositiveSizesAndRepetitions) {
  ExpectError("[[run]]\nkernel = \"dgemm\"\nsize = -5\n", {"exp.toml:3:", "'size'", "-5"});
  ExpectError("[[run]]\nkernel = \"dgemm\"\nsize = 0\n", {"'size'", "at least 1"});
  ExpectError("[[run]]\nkernel = \"dgemm\"\nsize = [4, -1]\n", {"exp.toml:3:", "-1"});
  ExpectError("[experiment]\nrepetitions = 0\n[[run]]\nkernel = \"dgemm\"\nsize = 4\n",
              {"exp.toml:2:", "'repetitions'", "at least 1"});
  ExpectError("[experiment]\nwarmups = -1\n[[run]]\nkernel = \"dgemm\"\nsize = 4\n",
              {"'warmups'", "at least 0"});
  ExpectError("[[run]]\nkernel = \"dgemm\"\nsize = 4\nranks = [0]\n", {"'ranks'"});
  ExpectError("[[run]]\nkernel = \"wait\"\nsize = 4\nwait_us = -1.0\n", {"'wait_us'"});
  ExpectError("[experiment]\ntimeout_s = 0\n[[run]]\nkernel = \"dgemm\"\nsize = 4\n",
              {"exp.toml:2:", "'timeout_s' must be more than 0", "got 0"});
  ExpectError("[[run]]\nkernel = \"dgemm\"\nsize = 4\ntimeout_s = 1e300\n",
              {"exp.toml:4:", "at most 1e7 seconds"});
  ExpectError("[[run]]\nkernel = \"dgemm\"\nsize = 4\non_timeout = \"retry\"\n",
              {"exp.toml:4:", "'on_timeout' must be one of continue, stop, got 'retry'"});
}

TEST(ConfigErrors, WrongTypes) {
  ExpectError("[[run]]\nkernel = \"dgemm\"\nsize = \"big\"\n",
              {"exp.toml:3:", "'size' must be an integer", "a string"});
  ExpectError("[[run]]\nkernel = \"dgemm\"\nsize = 4.5\n", {"'size' must be an integer"});
  ExpectError("[[run]]\nkernel = 3\nsize = 4\n", {"'kernel' must be a string"});
  ExpectError("run = 3\n", {"array of tables"});
  ExpectError("experiment = 3\n[[run]]\nkernel = \"dgemm\"\nsize = 4\n", {"must be a table"});
}

TEST(ConfigErrors, BadParameterChoice) {
  ExpectError("[[run]]\nkernel = \"counter\"\nsize = 4\nvariant = \"spinlock\"\n",
              {"exp.toml:4:", "'variant'", "mutex", "racy", "'spinlock'"});
}

TEST(ConfigErrors, MissingRunsKernelOrSize) {
  ExpectError("[experiment]\nname = \"x\"\n", {"no [[run]]"});
  ExpectError("[[run]]\nsize = 4\n", {"no 'kernel'"});
  ExpectError("[[run]]\nkernel = \"dgemm\"\n", {"no 'size'", "matrix order"});
}

TEST(ConfigErrors, ModelWithoutAShapeSaysWhatItNeeds) {
  ExpectError("[[run]]\nkernel = \"dgemm\"\nsize = 4\nmodels = [\"hybrid\"]\nranks = [1, 2]\n",
              {"'hybrid'", "ranks > 1 and threads > 1"});
}

TEST(ConfigErrors, AsyncNeedsAKernelWithAnEventLoop) {
  ExpectError("[[run]]\nkernel = \"dgemm\"\nsize = 4\nmodels = [\"async\"]\n",
              {"exp.toml:4:", "'async' needs a kernel with an event-loop form (", "wait, io)",
               "'dgemm'"});
  // async runs only when listed, and then with kernels that have an event loop.
  for (const auto& run : ParseExperiment("[[run]]\nkernel = \"wait\"\nsize = 4\n", "x.toml").runs)
    EXPECT_NE(run.model, "async");
  EXPECT_EQ(ParseExperiment("[[run]]\nkernel = \"wait\"\nsize = 4\nmodels = [\"async\"]\n",
                            "x.toml").runs.front().model,
            "async");
}

TEST(ConfigErrors, TooManyThreads) {
  ExpectError("[[run]]\nkernel = \"dgemm\"\nsize = 4\nthreads = [2, 100000]\n",
              {"exp.toml:4:", "threads = 100000 is too many"});
}

TEST(ConfigErrors, DuplicateModelAndEmptyArrays) {
  ExpectError("[[run]]\nkernel = \"dgemm\"\nsize = 4\nmodels = [\"serial\", \"serial\"]\n",
              {"listed twice"});
  ExpectError("[[run]]\nkernel = \"dgemm\"\nsize = []\n", {"empty array"});
}

TEST(ConfigErrors, ControlCharactersFromTheInputAreEscaped) {
  // Found by the libFuzzer harness: the TOML parser echoes the bad character, a newline.
  ExpectError("[[run]]\nkernel = \"dgemm\"\nsize = 4\nmin_time = i\n", {"exp.toml:4:", "\\n"});
  ExpectError("[[run]]\nkernel = \"dg\\u0007em\"\nsize = 4\n", {"unknown kernel 'dg\\x07em'"});
}

TEST(ConfigErrors, DuplicateKeysAndBadBytes) {
  ExpectError("[[run]]\nkernel = \"dgemm\"\nkernel = \"triad\"\nsize = 4\n", {"exp.toml:3:"});
  ExpectError(std::string("[[run]]\nkernel = \"dg\xff\xfe\"\nsize = 4\n"), {"exp.toml:2:"});
}

TEST(ConfigFile, MissingFileIsNamed) {
  try {
    ReadConfigFile("/nonexistent/parlab.toml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/parlab.toml: config file not found");
  }
}

TEST(ConfigFile, ShippedConfigsAreValid) {
  for (const auto& [name, ranks] : std::vector<std::pair<const char*, int>>{
           {"default.toml", 2}, {"tiny.toml", 2}, {"io.toml", 2}, {"io-stage.toml", 2},
           {"stencil-strong.toml", 2},
           {"stencil-weak.toml", 4},
           {"hybrid-comm.toml", 4}}) {
    const std::string path = std::string(PARLAB_SOURCE_DIR) + "/config/" + name;
    const Experiment e = ParseExperiment(ReadConfigFile(path), path);
    EXPECT_FALSE(e.runs.empty()) << name;
    EXPECT_EQ(e.ranks_needed(), ranks) << name;
  }
}

}  // namespace
}  // namespace parlab
