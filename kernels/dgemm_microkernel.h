// Register-blocked micro-kernel: a MR x NR tile of C from packed slivers of A and B.
// NR spans whole SIMD vectors (AVX-512: 8 doubles, else AVX2: 4), so the C tile lives in
// MR * NR / lanes vector registers for the whole k loop.
#pragma once

namespace parlab::gemm {

#if defined(__AVX512F__)
inline constexpr int kLanes = 8;
inline constexpr int kMr = 14;
#else
inline constexpr int kLanes = 4;
inline constexpr int kMr = 6;
#endif
inline constexpr int kVectors = 2;  // vectors per row of the tile
inline constexpr int kNr = kLanes * kVectors;

typedef double Vec __attribute__((vector_size(kLanes * sizeof(double))));

// a: kc x kMr packed (kMr values per k), b: kc x kNr packed (kNr values per k), both
// 64-byte aligned. Writes (first) or adds the tile into the mr x nr corner of C.
inline void MicroKernel(long long kc, const double* __restrict a, const double* __restrict b,
                        double* __restrict c, long long ldc, int mr, int nr, bool first) {
  Vec acc[kMr][kVectors] = {};
  for (long long k = 0; k < kc; ++k) {
    Vec bv[kVectors];
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v)
      bv[v] = *reinterpret_cast<const Vec*>(b + k * kNr + v * kLanes);
#pragma GCC unroll 16
    for (int i = 0; i < kMr; ++i) {
      const double ai = a[k * kMr + i];
#pragma GCC unroll 4
      for (int v = 0; v < kVectors; ++v) acc[i][v] += ai * bv[v];
    }
  }
  if (mr == kMr && nr == kNr) {
    for (int i = 0; i < kMr; ++i) {
      for (int v = 0; v < kVectors; ++v) {
        double* dst = c + i * ldc + v * kLanes;
        Vec old;
        __builtin_memcpy(&old, dst, sizeof old);
        const Vec out = first ? acc[i][v] : old + acc[i][v];
        __builtin_memcpy(dst, &out, sizeof out);
      }
    }
    return;
  }
  for (int i = 0; i < mr; ++i) {
    for (int j = 0; j < nr; ++j) {
      const double value = acc[i][j / kLanes][j % kLanes];
      c[i * ldc + j] = first ? value : c[i * ldc + j] + value;
    }
  }
}

}  // namespace parlab::gemm
