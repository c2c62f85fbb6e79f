// A start-up probe of this MPI library's nonblocking MPI-IO: which MPI_File_i* calls work,
// and whether a posted write makes progress while the program makes no MPI calls at all.
#pragma once

#include <mpi.h>

#include <string>

#include "core/kernel.h"

namespace parlab {

// Collective over comm; writes and deletes a scratch file in a private directory under
// `dir`. Returns (key, value) facts for the report; never throws for a failing call (that
// is a finding).
EnvironmentFacts ProbeNonblockingIo(MPI_Comm comm, const std::string& dir);

}  // namespace parlab
