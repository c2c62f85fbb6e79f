// Experiment configuration: TOML text -> validated, fully expanded list of runs.
// Every error names the file, line and key, before any work starts.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "core/errors.h"
#include "harness/run_spec.h"

namespace parlab {


// Parses and validates; throws ConfigError("FILE:LINE: ...").
Experiment ParseExperiment(const std::string& text, const std::string& path);

// Reads the file; throws ConfigError naming it when it is missing or unreadable.
std::string ReadConfigFile(const std::string& path);

int MaxThreadsPerRank();

}  // namespace parlab
