// C = A * B for n x n matrices, C's rows split across ranks (B replicated), then across
// threads. Two implementations: our own packed, register-blocked `blocked` code, and
// `blas` (OpenBLAS, single-threaded per worker, parlab doing the split).
#pragma once
#include <cstdint>

#include "kernel.h"

namespace parlab {

KernelInfo DgemmKernelInfo();

// Our blocked product of the row slice: C[rows x n] = A[rows x n] * B[n x n], row-major,
// leading dimension n. Calls checkpoint() between cache blocks.
void BlockedDgemm(long long rows, long long n, const double* a, const double* b, double* c,
                  Worker& worker);

}  // namespace parlab
