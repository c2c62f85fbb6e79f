#include "io/overlap.h"

#include <algorithm>

namespace parlab {

Overlap ComputeOverlap(double compute_s, double io_s, double overlapped_s) {
  const double hidden = compute_s + io_s - overlapped_s;
  return {hidden, hidden / std::min(compute_s, io_s), hidden / std::max(compute_s, io_s)};
}

}  // namespace parlab
