// libFuzzer harness for the run journal reader (issue 13.2): whatever bytes a journal on a
// shared file system holds, loading it against a fixed experiment either gives finished
// runs whose every field fits the run they claim to be, or one ConfigError line that names
// the journal. Never a crash, a hang, or a sample read out of bounds.
#include <mpi.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "app/config.h"
#include "harness/journal.h"

namespace {

// The experiment the seeds in tests/fuzz/journal_seeds/ were written for.
const char* kConfig = R"(
[experiment]
repetitions = 2
[[run]]
kernel = "montecarlo"
models = ["serial", "processes"]
ranks = [1, 2]
size = [1000, 2000]
)";

std::string g_path;
const parlab::Experiment* g_experiment = nullptr;

void Require(bool ok, const char* what, const std::string& detail) {
  if (ok) return;
  std::fprintf(stderr, "invariant broken: %s: %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  MPI_Init(argc, argv);
  char dir[] = "/tmp/parlab-fuzz-journal-XXXXXX";
  if (mkdtemp(dir) == nullptr) std::abort();
  g_path = std::string(dir) + "/report.h5.journal";
  static const parlab::Experiment experiment = parlab::ParseExperiment(kConfig, "fuzz.toml");
  g_experiment = &experiment;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::ofstream(g_path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    for (const auto& [id, outcome] : parlab::LoadJournal(MPI_COMM_SELF, g_path, *g_experiment)) {
      const parlab::RunSpec* spec = nullptr;
      for (const auto& run : g_experiment->runs)
        if (run.id == id) spec = &run;
      Require(spec != nullptr, "a known run", id);
      Require(outcome.ranks() == spec->shape.ranks, "ranks of the shape", id);
      Require(outcome.samples.values().size() ==
                  static_cast<std::size_t>(outcome.repetitions()) * outcome.ranks() * parlab::kColumns,
              "samples fit repetitions x ranks x columns", id);
      for (double v : outcome.samples.values()) Require(v >= 0, "durations are not negative", id);
      Require(outcome.cpu_sets.size() == outcome.places.size(), "placement shapes", id);
    }
  } catch (const parlab::ConfigError& e) {
    const std::string message = e.what();
    Require(message.rfind(g_path, 0) == 0, "the error names the journal", message);
    Require(message.find('\n') == std::string::npos, "the error is one line", message);
  }
  return 0;
}
