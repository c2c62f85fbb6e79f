// Experiment configuration: TOML text -> validated, fully expanded list of runs.
// Every error names the file, line and key, before any work starts.
#pragma once

#include <mpi.h>

#include <string>

#include "core/errors.h"
#include "harness/run_spec.h"

namespace parlab {

// Parses and validates; throws ConfigError("FILE:LINE: ..."). `thread_level` is the MPI
// thread level granted, which some kernels' checks need.
Experiment ParseExperiment(const std::string& text, const std::string& path,
                           int thread_level = MPI_THREAD_MULTIPLE);

// Reads the file (a regular file of at most 16 MiB); throws ConfigError naming it when it
// is missing, unreadable or not a regular file.
std::string ReadConfigFile(const std::string& path);

int MaxThreadsPerRank();

}  // namespace parlab
