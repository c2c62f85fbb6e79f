#include "machine/simd_kernels.h"

#include <fmt/format.h>

#include "core/aligned_buffer.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace parlab {
namespace {

// acc = acc * kMul + kAdd converges to 1 without overflow or subnormals, for ever.
constexpr double kMul = 0.999999;
constexpr double kAdd = 1e-6;

// Chains: FMA latency (4-5 cycles) x 2 FMA units needs 8-10 independent accumulators;
// more leave head room for a wider machine. AVX2 has 16 registers, two hold constants.
constexpr int kAvx512Chains = 24;
constexpr int kAvx2Chains = 12;
constexpr int kScalarChains = 12;

#if defined(__x86_64__)

// Sum of the lanes (_mm512_reduce_add_pd trips GCC 12's -Wuninitialized).
__attribute__((target("avx512f"))) double SumLanes(__m512d v) {
  alignas(64) double lanes[8];
  _mm512_store_pd(lanes, v);
  double sum = 0;
  for (double lane : lanes) sum += lane;
  return sum;
}

__attribute__((target("avx512f"))) double FmaAvx512(long long iterations) {
  __m512d acc[kAvx512Chains];
  for (int i = 0; i < kAvx512Chains; ++i) acc[i] = _mm512_set1_pd(1.0 + i * 1e-3);
  const __m512d m = _mm512_set1_pd(kMul), c = _mm512_set1_pd(kAdd);
  for (long long k = 0; k < iterations; ++k) {
#pragma GCC unroll 24
    for (int i = 0; i < kAvx512Chains; ++i) acc[i] = _mm512_fmadd_pd(acc[i], m, c);
  }
  __m512d sum = acc[0];
  for (int i = 1; i < kAvx512Chains; ++i) sum = _mm512_add_pd(sum, acc[i]);
  return SumLanes(sum);
}

__attribute__((target("avx2,fma"))) double FmaAvx2(long long iterations) {
  __m256d acc[kAvx2Chains];
  for (int i = 0; i < kAvx2Chains; ++i) acc[i] = _mm256_set1_pd(1.0 + i * 1e-3);
  const __m256d m = _mm256_set1_pd(kMul), c = _mm256_set1_pd(kAdd);
  for (long long k = 0; k < iterations; ++k) {
#pragma GCC unroll 12
    for (int i = 0; i < kAvx2Chains; ++i) acc[i] = _mm256_fmadd_pd(acc[i], m, c);
  }
  __m256d sum = acc[0];
  for (int i = 1; i < kAvx2Chains; ++i) sum = _mm256_add_pd(sum, acc[i]);
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, sum);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

// Scalar SSE2 instructions written out, so the compiler can neither fuse nor vectorise.
double ScalarMulAddChains(long long iterations) {
  __m128d acc[kScalarChains];
  for (int i = 0; i < kScalarChains; ++i) acc[i] = _mm_set_sd(1.0 + i * 1e-3);
  const __m128d m = _mm_set_sd(kMul), c = _mm_set_sd(kAdd);
  for (long long k = 0; k < iterations; ++k) {
#pragma GCC unroll 12
    for (int i = 0; i < kScalarChains; ++i) {
      __m128d product = _mm_mul_sd(acc[i], m);
      asm("" : "+x"(product));  // keeps the compiler from fusing this into an FMA
      acc[i] = _mm_add_sd(product, c);
    }
  }
  double sum = 0;
  for (int i = 0; i < kScalarChains; ++i) sum += _mm_cvtsd_f64(acc[i]);
  return sum;
}

__attribute__((target("fma"))) double ScalarFmaChains(long long iterations) {
  __m128d acc[kScalarChains];
  for (int i = 0; i < kScalarChains; ++i) acc[i] = _mm_set_sd(1.0 + i * 1e-3);
  const __m128d m = _mm_set_sd(kMul), c = _mm_set_sd(kAdd);
  for (long long k = 0; k < iterations; ++k) {
#pragma GCC unroll 12
    for (int i = 0; i < kScalarChains; ++i) acc[i] = _mm_fmadd_sd(acc[i], m, c);
  }
  double sum = 0;
  for (int i = 0; i < kScalarChains; ++i) sum += _mm_cvtsd_f64(acc[i]);
  return sum;
}

__attribute__((target("avx512f"))) double ReadAvx512(const double* data, std::size_t count,
                                                    long long passes) {
  __m512d s[8];
  for (auto& v : s) v = _mm512_setzero_pd();
  for (long long pass = 0; pass < passes; ++pass) {
    for (std::size_t i = 0; i < count; i += 64) {
#pragma GCC unroll 8
      for (int v = 0; v < 8; ++v) s[v] = _mm512_add_pd(s[v], _mm512_load_pd(data + i + 8 * v));
    }
  }
  for (int v = 1; v < 8; ++v) s[0] = _mm512_add_pd(s[0], s[v]);
  return SumLanes(s[0]);
}

__attribute__((target("avx2"))) double ReadAvx2(const double* data, std::size_t count,
                                               long long passes) {
  __m256d s[8];
  for (auto& v : s) v = _mm256_setzero_pd();
  for (long long pass = 0; pass < passes; ++pass) {
    for (std::size_t i = 0; i < count; i += 32) {
#pragma GCC unroll 8
      for (int v = 0; v < 8; ++v) s[v] = _mm256_add_pd(s[v], _mm256_load_pd(data + i + 4 * v));
    }
  }
  for (int v = 1; v < 8; ++v) s[0] = _mm256_add_pd(s[0], s[v]);
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, s[0]);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

__attribute__((target("avx512f"))) void TriadAvx512(double* a, const double* b,
                                                    const double* c, double s,
                                                    std::size_t count, long long passes) {
  const __m512d sv = _mm512_set1_pd(s);
  for (long long pass = 0; pass < passes; ++pass) {
    for (std::size_t i = 0; i < count; i += 32) {
#pragma GCC unroll 4
      for (int v = 0; v < 4; ++v) {
        const std::size_t j = i + 8 * v;
        _mm512_store_pd(a + j,
                        _mm512_fmadd_pd(sv, _mm512_load_pd(c + j), _mm512_load_pd(b + j)));
      }
    }
    ClobberMemory();
  }
}

__attribute__((target("avx2,fma"))) void TriadAvx2(double* a, const double* b, const double* c,
                                                   double s, std::size_t count,
                                                   long long passes) {
  const __m256d sv = _mm256_set1_pd(s);
  for (long long pass = 0; pass < passes; ++pass) {
    for (std::size_t i = 0; i < count; i += 16) {
#pragma GCC unroll 4
      for (int v = 0; v < 4; ++v) {
        const std::size_t j = i + 4 * v;
        _mm256_store_pd(a + j,
                        _mm256_fmadd_pd(sv, _mm256_load_pd(c + j), _mm256_load_pd(b + j)));
      }
    }
    ClobberMemory();
  }
}

#else  // not x86-64: portable C++ only, reported as scalar

double ScalarMulAddChains(long long iterations) {
  double acc[kScalarChains];
  for (int i = 0; i < kScalarChains; ++i) acc[i] = 1.0 + i * 1e-3;
  for (long long k = 0; k < iterations; ++k)
    for (double& a : acc) a = a * kMul + kAdd;
  double sum = 0;
  for (double a : acc) sum += a;
  return sum;
}
double ScalarFmaChains(long long iterations) { return ScalarMulAddChains(iterations); }

#endif

double ReadGeneric(const double* data, std::size_t count, long long passes) {
  double s[4] = {0, 0, 0, 0};
  for (long long pass = 0; pass < passes; ++pass)
    for (std::size_t i = 0; i < count; i += 4)
      for (int v = 0; v < 4; ++v) s[v] += data[i + v];
  return s[0] + s[1] + s[2] + s[3];
}

void TriadGeneric(double* a, const double* b, const double* c, double s, std::size_t count,
                  long long passes) {
  for (long long pass = 0; pass < passes; ++pass) {
    for (std::size_t i = 0; i < count; ++i) a[i] = b[i] + s * c[i];
    ClobberMemory();
  }
}

}  // namespace

const char* SimdIsaName(SimdIsa isa) {
  switch (isa) {
    case SimdIsa::kAvx512: return "avx512f";
    case SimdIsa::kAvx2Fma: return "avx2+fma";
    case SimdIsa::kScalar: return "scalar";
  }
  return "unknown";
}

bool CpuSupports(SimdIsa isa) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  switch (isa) {
    case SimdIsa::kAvx512: return __builtin_cpu_supports("avx512f") != 0;
    case SimdIsa::kAvx2Fma:
      return __builtin_cpu_supports("avx2") != 0 && __builtin_cpu_supports("fma") != 0;
    case SimdIsa::kScalar: return true;
  }
  return false;
#else
  return isa == SimdIsa::kScalar;
#endif
}

bool CpuHasFma() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("fma") != 0;
#else
  return false;
#endif
}

SimdIsa BestSimdIsa() {
  for (SimdIsa isa : {SimdIsa::kAvx512, SimdIsa::kAvx2Fma})
    if (CpuSupports(isa)) return isa;
  return SimdIsa::kScalar;
}

int SimdLanes(SimdIsa isa) {
  switch (isa) {
    case SimdIsa::kAvx512: return 8;
    case SimdIsa::kAvx2Fma: return 4;
    case SimdIsa::kScalar: return 1;
  }
  return 1;
}

int FmaChainCount(SimdIsa isa) {
  switch (isa) {
    case SimdIsa::kAvx512: return kAvx512Chains;
    case SimdIsa::kAvx2Fma: return kAvx2Chains;
    case SimdIsa::kScalar: return kScalarChains;
  }
  return 1;
}

double FmaFlopsPerIteration(SimdIsa isa) { return 2.0 * FmaChainCount(isa) * SimdLanes(isa); }
double ScalarFlopsPerIteration() { return 2.0 * kScalarChains; }

double FmaChains(SimdIsa isa, long long iterations) {
#if defined(__x86_64__)
  if (isa == SimdIsa::kAvx512) return FmaAvx512(iterations);
  if (isa == SimdIsa::kAvx2Fma) return FmaAvx2(iterations);
#endif
  return ScalarMulAddChains(iterations);
}

double ScalarChains(bool fma, long long iterations) {
  return fma ? ScalarFmaChains(iterations) : ScalarMulAddChains(iterations);
}

double ReadSum(SimdIsa isa, const double* data, std::size_t count, long long passes) {
#if defined(__x86_64__)
  if (isa == SimdIsa::kAvx512) return ReadAvx512(data, count, passes);
  if (isa == SimdIsa::kAvx2Fma) return ReadAvx2(data, count, passes);
#endif
  return ReadGeneric(data, count, passes);
}

void Triad(SimdIsa isa, double* a, const double* b, const double* c, double s,
           std::size_t count, long long passes) {
#if defined(__x86_64__)
  if (isa == SimdIsa::kAvx512) return TriadAvx512(a, b, c, s, count, passes);
  if (isa == SimdIsa::kAvx2Fma) return TriadAvx2(a, b, c, s, count, passes);
#endif
  TriadGeneric(a, b, c, s, count, passes);
}

std::string DescribeFmaKernel(SimdIsa isa) {
  if (isa == SimdIsa::kScalar)
    return fmt::format("{} independent scalar multiply + add chains (no FMA on this CPU)",
                       kScalarChains);
  return fmt::format("{} FMA micro-kernel: {} independent {}-lane accumulator chains, "
                     "acc = acc * m + c", SimdIsaName(isa), FmaChainCount(isa), SimdLanes(isa));
}

}  // namespace parlab
