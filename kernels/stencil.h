// 2-D Jacobi (5-point) on an N x M grid with fixed boundary values, decomposed over ranks
// in rows or 2-D blocks (MPI_Cart_create), OpenMP threads inside each rank. Halos are
// exchanged with MPI_Sendrecv (blocking) or with MPI_Isend/Irecv while the interior is
// computed (nonblocking).
#pragma once
#include <array>
#include <vector>

namespace parlab {

// The process grid of the `blocks` decomposition: rows x columns = ranks, as nearly
// square as the divisors of `ranks` allow, rows >= columns (what MPI_Dims_create gives
// for two dimensions, computed here so that validation knows it before MPI is asked).
std::array<int, 2> ProcessGrid(int ranks);

// Initial interior and fixed boundary values of global point (i, j); the boundary is the
// ring i = -1, i = N, j = -1, j = M.
double StencilInitial(long long i, long long j);
double StencilBoundary(long long i, long long j);

// The serial result after `iterations` sweeps for global rows [r0, r1) and columns
// [c0, c1), computed on the block extended by `iterations` (its dependency cone).
std::vector<double> StencilReference(long long n, long long m, long long r0, long long r1,
                                     long long c0, long long c1, int iterations);

}  // namespace parlab
