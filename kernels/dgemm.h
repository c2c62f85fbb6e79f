// C = A * B for n x n matrices, C's rows split across ranks (B replicated), then across
// threads. Two implementations: our own packed, register-blocked `blocked` code, and
// `blas` (OpenBLAS, single-threaded per worker, parlab doing the split).
#pragma once
#include <cstdint>

#include "core/aligned_buffer.h"
#include "core/team.h"

namespace parlab {

// Packing buffers of one worker, allocated and touched before timing starts.
struct GemmWorkspace {
  GemmWorkspace(long long rows, long long n);
  AlignedBuffer<double> packed_a;
  AlignedBuffer<double> packed_b;
};

// Our blocked product of the row slice: C[rows x n] = A[rows x n] * B[n x n], row-major,
// leading dimension n. Calls worker.Checkpoint() between cache blocks.
void BlockedDgemm(long long rows, long long n, const double* a, const double* b, double* c,
                  Worker& worker, GemmWorkspace& workspace);

}  // namespace parlab
