// `parlab probe`: measures this machine's ceilings (or shows the cached ones) and prints
// them as a table or, with --json, as the ceilings document.
#pragma once

#include <mpi.h>

#include <string>

namespace parlab {

struct ProbeCommandOptions {
  bool json = false;
  std::string dir = ".";
  std::string cache;     // "" : the default cache file
  bool force = false;
  std::string roofline;  // also write an ERT-style roofline.json here
};

// Collective over world. Returns the exit code.
int RunProbeCommand(MPI_Comm world, const ProbeCommandOptions& options);

}  // namespace parlab
