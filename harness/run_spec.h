// One cell of an experiment (RunSpec) and the experiment itself: what app/config.cc
// builds from a TOML file and the harness measures.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/enum_names.h"
#include "core/errors.h"
#include "core/kernel.h"
#include "io/modes.h"
#include "machine/placement.h"
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
  // Adaptive, interleaved measurement (engine.h): rounds go on until the relative
  // half-width of every 95 % interval of the comparison is at most `precision` (0: the
  // configured repetitions), or `max_time_s` of measuring is spent (0: no budget).
  double precision = 0;
  double max_time_s = 0;
  bool interleave = true;  // measured in rounds with the runs it is compared with
  ModelOptions options;
  std::optional<IoStageSpec> io_stage;  // none when absent
  // Where the shape's ranks and threads are bound for this run (machine/placement.h);
  // none: not bound. smt: threads may share a core's hardware threads.
  Placement placement;
  bool smt = false;
  const KernelInfo& kernel_info() const;  // the kernel's table entry
  // Whether each later block of the run (set up anew) warms up again: yes unless the kernel
  // is steady after its setup and no checkpoint stage (whose first write creates its file)
  // follows it.
  bool warms_up_every_block() const;
  const ExecutionModel& model_info() const;
  // What the kernel's check hook is told about this run.
  CheckContext check_context(int thread_level) const;
  // "counter[variant=mutex] size=1000": parameters at their default are left out. Runs
  // with the same label are compared with each other (the serial one is the baseline).
  // The label names the kernel group, not the placement: placement is part of the shape.
  std::string Label() const;
  // "none", "compact", "2 per numa smt": the placement as the config spells it.
  std::string PlacementText() const;
  bool bound() const { return placement.kind != Placement::Kind::kNone; }
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
  std::uint64_t seed = 1;    // of the shuffled order of every round
  bool noise_floor = false;  // measure an A/A comparison first (engine.h)
  int ranks_needed() const;
};

}  // namespace parlab
