// The micro-kernels behind the measured ceilings, one per instruction set, chosen at run
// time: the build may be tuned for another CPU than the one it runs on (and -march=native
// alone would not make GCC use 512-bit vectors), so each kernel is compiled for its own
// ISA with a target attribute and called only when the CPU has that ISA.
#pragma once

#include <cstddef>
#include <string>

namespace parlab {

// Widest first. kScalar: no FMA, or not x86-64.
enum class SimdIsa { kAvx512, kAvx2Fma, kScalar };

const char* SimdIsaName(SimdIsa isa);  // "avx512f", "avx2+fma", "scalar"
// True when this CPU (and its OS, which must save the vector state) runs `isa`.
bool CpuSupports(SimdIsa isa);
// The CPU has scalar and 128-bit FMA instructions (cpuid fma).
bool CpuHasFma();
// The widest ISA this CPU supports: what every probe kernel below is called with.
SimdIsa BestSimdIsa();
// Doubles per vector register of `isa` (8, 4, 1).
int SimdLanes(SimdIsa isa);

// Peak: `iterations` rounds of independent multiply-add chains acc = acc * m + c, enough
// of them to cover the FMA latency times the FMA units. Returns a value derived from the
// chains (so the work cannot be dropped); FmaFlopsPerIteration counts the work.
// kScalar runs separate multiplies and adds (the CPU has no FMA).
double FmaChains(SimdIsa isa, long long iterations);
double FmaFlopsPerIteration(SimdIsa isa);
int FmaChainCount(SimdIsa isa);
// The same with one double per instruction (scalar FMA where the CPU has FMA): the roof
// of code that does not vectorise.
double ScalarChains(bool fma, long long iterations);
double ScalarFlopsPerIteration();

// Memory: `data` is 64-byte aligned and `count` a multiple of kSimdBlock doubles. Both
// go over the data `passes` times in one call, so that the call's own cost does not
// weigh on small (L1) working sets.
inline constexpr std::size_t kSimdBlock = 64;
// Sum of data[0..count), `passes` times over (reads 8 bytes per element per pass).
double ReadSum(SimdIsa isa, const double* data, std::size_t count, long long passes = 1);
// a = b + s * c over `count` elements, `passes` times (STREAM triad: 24 bytes per
// element per pass).
void Triad(SimdIsa isa, double* a, const double* b, const double* c, double s,
           std::size_t count, long long passes = 1);

// How each kernel was built, for a ceiling's `method`.
std::string DescribeFmaKernel(SimdIsa isa);

}  // namespace parlab
