// What the MPI library's transports are set to in this launch (the shared-memory
// single-copy mechanism, eager limits, ...), read through the MPI tool interface.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace parlab {

// ("mpi_transport_<cvar>", value) for each control variable of `kTransportSettings` the
// library exposes, in that order; enum values by their names ("cma", "none", ...). Local
// and cheap (one pass over the control variables); nothing when MPI_T is unavailable.
std::vector<std::pair<std::string, std::string>> TransportSettings();

}  // namespace parlab
