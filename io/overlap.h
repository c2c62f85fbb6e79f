// How much of the I/O a nonblocking run hid behind compute, measured against the blocking
// run of the same kernel parameters, model and shape, and how much the machine allows.
#pragma once

#include <memory>
#include <string>

#include "core/kernel.h"

namespace parlab {

struct Overlap {
  double hidden_s;    // compute + io - overlapped: time that ran concurrently
  double vs_smaller;  // hidden / min(compute, io): 1 = the shorter activity fully hidden
  double vs_larger;   // hidden / max(compute, io): 1 = perfect overlap of equal parts
};

// compute_s and io_s from the blocking run, overlapped_s = the nonblocking run's time.
Overlap ComputeOverlap(double compute_s, double io_s, double overlapped_s);

// The most a nonblocking run can hide, as a share of min(compute, io) (the scale of
// Overlap::vs_smaller), from a core-seconds budget: the device wait (sync) can hide behind
// any compute, the I/O's CPU part (copying into the page cache, packing) only on cores
// the compute leaves idle. `io_cpu_s` is the blocking I/O time outside the sync,
// `idle_cores` the node's cores no worker computes on, shared by `node_ranks` ranks.
double OverlapCeiling(double compute_s, double io_cpu_s, double io_sync_s, int idle_cores,
                      int node_ranks);

// The io kernel's deriver: each nonblocking run is paired with the blocking run of the
// same shape and parameters before it (the blocking form of its call) and gets its overlap,
// its ceiling, their parts and, when it hides little or loses time, a note saying why.
std::unique_ptr<ResultDeriver> MakeOverlapDeriver();

}  // namespace parlab
