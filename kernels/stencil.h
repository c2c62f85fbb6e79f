// 2-D Jacobi (5-point) on an N x M grid with fixed boundary values, decomposed over ranks
// in rows or 2-D blocks (MPI_Cart_create), OpenMP threads inside each rank. Halos are
// exchanged with persistent or immediate requests (kernels/stencil_halo.h), before the sweep
// (blocking) or while the interior is computed (nonblocking), by the master thread, by one
// thread while the others compute, or by every thread for its own segment (`threading`).
#pragma once
#include <array>
#include <string>
#include <vector>

#include "core/kernel.h"

namespace parlab {

// One formula, one evaluation order, shared by the kernel and the reference: results
// match bitwise.
inline double JacobiPoint(double north, double south, double west, double east) {
  return 0.25 * ((north + south) + (west + east));
}

enum class Decomposition { kRows, kBlocks };
inline constexpr EnumNames<Decomposition, 2> kDecompositions{
    {{{Decomposition::kRows, "rows"}, {Decomposition::kBlocks, "blocks"}}}};
enum class Exchange { kBlocking, kNonblocking };
inline constexpr EnumNames<Exchange, 2> kExchanges{
    {{{Exchange::kBlocking, "blocking"}, {Exchange::kNonblocking, "nonblocking"}}}};
// Who talks MPI in a hybrid rank: the master thread while the others wait (funneled); one
// thread while the others compute the interior (overlap); every thread for its own segment
// of the halo, on its own communicator (multiple); MPI-4 partitioned messages (partitioned).
enum class Threading { kFunneled, kOverlap, kMultiple, kPartitioned };
inline constexpr EnumNames<Threading, 4> kThreadings{{{{Threading::kFunneled, "funneled"},
                                                {Threading::kOverlap, "overlap"},
                                                {Threading::kMultiple, "multiple"},
                                                {Threading::kPartitioned, "partitioned"}}}};

std::vector<ParamSpec> StencilParams();  // KernelInfo::params of the stencil
long long Columns(const KernelParams& params);  // the cols parameter, 0 = square
// The process grid the decomposition gives `ranks` ranks.
std::array<int, 2> GridOf(const KernelParams& params, int ranks);
// KernelInfo::check and ::unavailable of the stencil.
std::string CheckStencil(const KernelParams& params, const CheckContext& context);
std::string StencilUnavailable(const KernelParams& params);

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
