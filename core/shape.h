// How many MPI ranks and OpenMP threads per rank a run uses.
#pragma once

namespace parlab {

struct Shape {
  int ranks = 1;
  int threads = 1;
  int workers() const { return ranks * threads; }
};

}  // namespace parlab
