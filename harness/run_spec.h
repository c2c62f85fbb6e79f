// One cell of an experiment (RunSpec) and the experiment itself: what app/config.cc
// builds from a TOML file and the harness measures.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/enum_names.h"
#include "core/errors.h"
#include "core/kernel.h"
#include "io/modes.h"
#include "models/model.h"

namespace parlab {

// What the experiment does after a run timed out.
enum class OnTimeout { kContinue, kStop };
inline constexpr EnumNames<OnTimeout, 2> kOnTimeoutNames{
    {{{OnTimeout::kContinue, "continue"}, {OnTimeout::kStop, "stop"}}}};

// The optional checkpoint of a compute kernel's state after each repetition (io_stage);
// kNoIoStage is how a config asks for none.
inline constexpr char kNoIoStage[] = "none";
struct IoStageSpec {
  IoMode mode = IoMode::kBlocking;
  IoLayout layout = IoLayout::kSharedFile;
  std::string dir = "/tmp";
  bool sync = false;
};

// One cell of the experiment: a kernel with its parameters under one model and shape.
struct RunSpec {
  int index = 0;          // 0-based position in the experiment
  std::string id;         // "run-0001"
  int block = 0;          // which [[run]] table (1-based) it came from
  std::string kernel;
  std::string model;
  Shape shape;
  KernelParams params;
  int repetitions = 5;
  int warmups = 1;
  double min_time_s = 0;  // grow repetitions until the measured time reaches this
  int max_repetitions = 1000;
  // The watchdog (watchdog.h): past timeout_s the run stops, marked "timeout"; then the
  // experiment goes on ("continue") or ends with a partial report ("stop").
  double timeout_s = 3600;
  OnTimeout on_timeout = OnTimeout::kContinue;
  ModelOptions options;
  std::optional<IoStageSpec> io_stage;  // none when absent
  const KernelInfo& kernel_info() const;  // the kernel's table entry
  const ExecutionModel& model_info() const;
  // "counter[variant=mutex] size=1000": parameters at their default are left out. Runs
  // with the same label are compared with each other (the serial one is the baseline).
  std::string Label() const;
  // Everything that decides what the run measures, as text: two runs with the same
  // fingerprint are the same measurement (a journal entry is resumed only on a match).
  std::string Fingerprint() const;
};

struct Experiment {
  std::string name;
  std::string description;
  std::string output;
  std::string config_path;
  std::string config_text;
  bool probe = true;  // the machine's ceilings at the start of the run (top-level `probe`)
  std::vector<RunSpec> runs;
  int ranks_needed() const;
};

}  // namespace parlab
