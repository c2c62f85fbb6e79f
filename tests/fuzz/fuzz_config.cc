// libFuzzer harness for the config parser: any bytes must either give a valid experiment
// that keeps every invariant the engine relies on, or a ConfigError whose message is one
// line naming the file. Anything else (a crash, another exception, a sanitizer report, a
// broken invariant) is a finding. Run for a fixed time with tests/fuzz/run_libfuzzer.sh.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "app/config.h"

namespace {

void Require(bool ok, const char* what, const std::string& detail) {
  if (ok) return;
  std::fprintf(stderr, "invariant broken: %s: %s\n", what, detail.c_str());
  std::abort();
}

void CheckExperiment(const parlab::Experiment& e) {
  Require(!e.runs.empty() && e.runs.size() <= 100000, "run count", std::to_string(e.runs.size()));
  Require(e.ranks_needed() >= 1, "ranks needed", std::to_string(e.ranks_needed()));
  Require(!e.output.empty(), "output", "empty");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < e.runs.size(); ++i) {
    const parlab::RunSpec& run = e.runs[i];
    Require(run.index == static_cast<int>(i) && ids.insert(run.id).second, "run ids", run.id);
    const parlab::KernelInfo* kernel = parlab::FindKernel(run.kernel);
    Require(kernel != nullptr, "kernel", run.kernel);
    const parlab::ExecutionModel* model = parlab::FindModel(run.model);
    Require(model != nullptr && model->Accepts(run.shape), "model and shape", run.model);
    Require(run.shape.threads <= parlab::MaxThreadsPerRank(), "threads", std::to_string(run.shape.threads));
    Require(run.params.size() >= 1, "size", std::to_string(run.params.size()));
    for (const parlab::ParamSpec& p : kernel->params)
      Require(run.params.values().count(p.name) == 1, "parameter present", p.name);
    Require(run.repetitions >= 1 && run.repetitions <= run.max_repetitions && run.warmups >= 0,
            "repetitions", run.id);
    Require(std::isfinite(run.min_time_s) && run.min_time_s >= 0, "min_time", run.id);
    Require(std::isfinite(run.timeout_s) && run.timeout_s > 0, "timeout_s", run.id);
    const std::string on_timeout = parlab::kOnTimeoutNames.Name(run.on_timeout);
    Require(parlab::kOnTimeoutNames.Find(on_timeout).has_value(), "on_timeout", on_timeout);
    Require(run.options.gil_interval_s > 0, "gil_interval", run.id);
    Require(!run.Label().empty() && !run.Fingerprint().empty(), "label", run.id);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    CheckExperiment(parlab::ParseExperiment(text, "fuzz.toml"));
  } catch (const parlab::ConfigError& e) {
    const std::string message = e.what();
    Require(message.rfind("fuzz.toml", 0) == 0, "error names the file", message);
    Require(message.find('\n') == std::string::npos, "error is one line", message);
  }
  return 0;
}
