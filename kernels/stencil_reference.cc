// The stencil's initial and boundary values, its serial reference and its process grid.
#include <algorithm>
#include <cmath>

#include "kernels/stencil.h"

namespace parlab {

double StencilInitial(long long i, long long j) {
  return static_cast<double>((i * 31 + j * 17) % 101) / 100.0 - 0.5;
}

double StencilBoundary(long long i, long long j) {
  return 1.0 + 0.5 * std::sin(0.1 * static_cast<double>(i + 2 * j));
}

std::vector<double> StencilReference(long long n, long long m, long long r0, long long r1,
                                     long long c0, long long c1, int iterations) {
  const long long er0 = std::max(0LL, r0 - iterations), er1 = std::min(n, r1 + iterations);
  const long long ec0 = std::max(0LL, c0 - iterations), ec1 = std::min(m, c1 + iterations);
  const long long h = er1 - er0 + 2, w = ec1 - ec0 + 2;
  std::vector<double> a(static_cast<std::size_t>(h * w)), b;
  for (long long i = 0; i < h; ++i)
    for (long long j = 0; j < w; ++j) {
      const long long gi = er0 + i - 1, gj = ec0 + j - 1;
      const bool outside = gi < 0 || gi >= n || gj < 0 || gj >= m;
      a[i * w + j] = outside ? StencilBoundary(gi, gj) : StencilInitial(gi, gj);
    }
  b = a;
  for (int it = 0; it < iterations; ++it) {
    for (long long i = 1; i < h - 1; ++i)
      for (long long j = 1; j < w - 1; ++j)
        b[i * w + j] = JacobiPoint(a[(i - 1) * w + j], a[(i + 1) * w + j], a[i * w + j - 1],
                                   a[i * w + j + 1]);
    std::swap(a, b);
  }
  std::vector<double> block;
  for (long long i = r0; i < r1; ++i)
    for (long long j = c0; j < c1; ++j) block.push_back(a[(i - er0 + 1) * w + (j - ec0 + 1)]);
  return block;
}

std::array<int, 2> ProcessGrid(int ranks) {
  int columns = 1;
  for (int c = 1; static_cast<long long>(c) * c <= ranks; ++c)
    if (ranks % c == 0) columns = c;
  return {ranks / columns, columns};
}

}  // namespace parlab
