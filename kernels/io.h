// Checkpoint I/O overlapped (or not) with compute: each repetition computes on a
// rank-distributed array and writes it through MPI-IO or parallel HDF5 (see checkpoint.h).
// In nonblocking mode the write of a snapshot runs while the next compute sweeps do, and
// progress comes from nothing (none), from MPI_Test between compute chunks (test), or from
// a progress thread (thread).
#pragma once
#include "core/kernel.h"

namespace parlab {
KernelInfo IoKernelInfo();
}
