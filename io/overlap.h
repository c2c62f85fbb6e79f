// How much of the I/O a nonblocking run hid behind compute, measured against the blocking
// run of the same kernel parameters, model and shape.
#pragma once

namespace parlab {

struct Overlap {
  double hidden_s;    // compute + io - overlapped: time that ran concurrently
  double vs_smaller;  // hidden / min(compute, io): 1 = the shorter activity fully hidden
  double vs_larger;   // hidden / max(compute, io): 1 = perfect overlap of equal parts
};

// compute_s and io_s from the blocking run, overlapped_s = the nonblocking run's time.
Overlap ComputeOverlap(double compute_s, double io_s, double overlapped_s);

}  // namespace parlab
