// Expanding one [[run]] table of a config into its runs: every kernel parameter, size,
// model and shape given as an array is swept (the Cartesian product).
#pragma once

#include <string>
#include <vector>
#include <toml++/toml.h>

#include "app/config_reader.h"
#include "harness/run_spec.h"

namespace parlab {

// Keys that [experiment] sets for every run and a [[run]] may override.
struct RunDefaults {
  int repetitions = 5;
  int warmups = 1;
  double min_time_s = 0;
  int max_repetitions = 1000;
  bool max_repetitions_given = false;
  double timeout_s = 3600;
  OnTimeout on_timeout = OnTimeout::kContinue;
};
extern const std::vector<std::string> kRunDefaultKeys;

// Reads the keys of kRunDefaultKeys present in `table` over `defaults`.
void ReadRunDefaults(const ConfigReader& reader, const toml::table& table, RunDefaults& defaults);

// Appends the runs of [[run]] table number `block` (1-based) to `runs`. `thread_level` is
// what the MPI library granted, for the kernels' checks.
void ExpandRunTable(const ConfigReader& reader, const toml::table& table, int block,
                    const RunDefaults& defaults, int thread_level, std::vector<RunSpec>& runs);

}  // namespace parlab
