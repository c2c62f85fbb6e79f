// A start-up probe of this MPI library's nonblocking MPI-IO: which MPI_File_i* calls work,
// and whether a posted write makes progress while the program makes no MPI calls at all.
#pragma once

#include <mpi.h>

#include <string>
#include <utility>
#include <vector>

namespace parlab {

// Collective over comm; writes and deletes a scratch file in `dir`. Returns (key, value)
// facts for the report; never throws for a failing call (that is a finding).
std::vector<std::pair<std::string, std::string>> ProbeNonblockingIo(MPI_Comm comm,
                                                                    const std::string& dir);

}  // namespace parlab
