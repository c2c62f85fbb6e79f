/* Independent reference: OpenBLAS cblas_dgemm on n x n matrices, threads from
 * OPENBLAS_NUM_THREADS. Prints "dgemm_ref n threads median_gflops best_gflops". */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int compare(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  const int n = argc > 1 ? atoi(argv[1]) : 1024;
  const int reps = argc > 2 ? atoi(argv[2]) : 7;
  double* a = malloc(sizeof(double) * n * n);
  double* b = malloc(sizeof(double) * n * n);
  double* c = malloc(sizeof(double) * n * n);
  double* times = malloc(sizeof(double) * reps);
  for (long i = 0; i < (long)n * n; ++i) {
    a[i] = (double)(i % 13 - 6) / 8.0;
    b[i] = (double)(i % 17 - 8) / 8.0;
    c[i] = 0.0;
  }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
  for (int r = 0; r < reps; ++r) {
    const double start = now();
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
    times[r] = now() - start;
  }
  qsort(times, reps, sizeof(double), compare);
  const double flop = 2.0 * n * (double)n * n;
  printf("dgemm_ref %d %d %.3f %.3f %s\n", n, openblas_get_num_threads(),
         flop / times[reps / 2] / 1e9, flop / times[0] / 1e9, openblas_get_corename());
  free(a); free(b); free(c); free(times);
  return 0;
}
