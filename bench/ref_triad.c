/* Independent reference: a minimal STREAM-style triad a = b + s*c with OpenMP, arrays
 * first-touched by the same static schedule. Bytes counted the STREAM way (24 per
 * element). Prints "triad_ref n threads median_gbs best_gbs". */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

static int compare(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  const long n = argc > 1 ? atol(argv[1]) : 8000000;
  const int iterations = argc > 2 ? atoi(argv[2]) : 5;
  const int reps = argc > 3 ? atoi(argv[3]) : 7;
  double* a = aligned_alloc(64, sizeof(double) * n);
  double* b = aligned_alloc(64, sizeof(double) * n);
  double* c = aligned_alloc(64, sizeof(double) * n);
  double* times = malloc(sizeof(double) * reps);
  const double s = 3.0;
#pragma omp parallel for schedule(static)
  for (long i = 0; i < n; ++i) {
    a[i] = 0.0;
    b[i] = 1.0 + i % 7;
    c[i] = 0.5 * (i % 5);
  }
  for (int r = -1; r < reps; ++r) {
    const double start = omp_get_wtime();
    for (int it = 0; it < iterations; ++it) {
#pragma omp parallel for schedule(static)
      for (long i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
    }
    if (r >= 0) times[r] = omp_get_wtime() - start;
  }
  long bad = 0;
  for (long i = 0; i < n; ++i) bad += a[i] != b[i] + s * c[i];
  qsort(times, reps, sizeof(double), compare);
  const double bytes = 24.0 * n * iterations;
  printf("triad_ref %ld %d %.3f %.3f %s\n", n, omp_get_max_threads(),
         bytes / times[reps / 2] / 1e9, bytes / times[0] / 1e9, bad ? "WRONG" : "verified");
  free(a); free(b); free(c); free(times);
  return bad != 0;
}
