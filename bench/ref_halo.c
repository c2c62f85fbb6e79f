/* Independent reference for the stencil's halo exchange, ranks 0 and 1 (written for
 * parlab's bench, sharing no code with it). For each message size:
 *   rhythm:       each MPI_Sendrecv of BYTES with the peer comes after an untimed sweep
 *                 over ARRAY_BYTES of this rank's memory (what the stencil's arrays cost
 *                 the cache between two exchanges);
 *   back to back: MPI_Sendrecv after MPI_Sendrecv, nothing in between.
 * Exchanges are timed one by one and summed over blocks of BLOCK exchanges, as the stencil
 * sums its comm phase over the sweeps of a repetition: the mean per exchange of each block,
 * the median over blocks, the smaller of the two ranks. Prints
 * "halo_ref BYTES rhythm_us back_to_back_us". */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char* level_name = "single";

static int compare(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

static double median(double* v, int n) {
  qsort(v, (size_t)n, sizeof(double), compare);
  return v[n / 2];
}

/* A Jacobi-like pass: reads one array, writes the other, touching every byte of both. */
static void sweep(double* dst, const double* src, long n) {
  for (long i = 1; i + 1 < n; ++i) dst[i] = 0.25 * (src[i - 1] + src[i + 1]) + 0.5 * src[i];
}

static void measure(int bytes, long array_bytes, int block, int blocks, int rank) {
  const int reps = block * blocks;
  const int peer = 1 - rank;
  char* out = malloc((size_t)bytes);
  char* in = malloc((size_t)bytes);
  const long n = array_bytes / 16; /* two arrays of doubles */
  double* a = calloc((size_t)n, sizeof(double));
  double* b = calloc((size_t)n, sizeof(double));
  double* rhythm = calloc((size_t)blocks, sizeof(double));
  double* back = calloc((size_t)blocks, sizeof(double));
  memset(out, rank + 1, (size_t)bytes);
  MPI_Barrier(MPI_COMM_WORLD);
  for (int r = -5; r < reps; ++r) {
    sweep(r % 2 ? a : b, r % 2 ? b : a, n);
    const double start = MPI_Wtime();
    MPI_Sendrecv(out, bytes, MPI_BYTE, peer, 1, in, bytes, MPI_BYTE, peer, 1, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    if (r >= 0) rhythm[r / block] += (MPI_Wtime() - start) / block;
  }
  MPI_Barrier(MPI_COMM_WORLD);
  for (int r = -5; r < reps; ++r) {
    const double start = MPI_Wtime();
    MPI_Sendrecv(out, bytes, MPI_BYTE, peer, 2, in, bytes, MPI_BYTE, peer, 2, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    if (r >= 0) back[r / block] += (MPI_Wtime() - start) / block;
  }
  if (in[bytes - 1] != (char)(peer + 1)) fprintf(stderr, "ref_halo: wrong bytes received\n");
  /* The rank that arrives last sees only the transfer: the smaller median of the two. */
  double mine[2] = {median(rhythm, blocks), median(back, blocks)}, least[2];
  MPI_Reduce(mine, least, 2, MPI_DOUBLE, MPI_MIN, 0, MPI_COMM_WORLD);
  if (rank == 0)
    printf("halo_ref %d %.3f %.3f %s\n", bytes, least[0] * 1e6, least[1] * 1e6, level_name);
  free(out); free(in); free(a); free(b); free(rhythm); free(back);
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "multiple") == 0) {
    int granted = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &granted);
    level_name = granted == MPI_THREAD_MULTIPLE ? "multiple" : "less-than-multiple";
  } else {
    MPI_Init(&argc, &argv);
  }
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size != 2) {
    if (rank == 0) fprintf(stderr, "ref_halo: run on exactly 2 ranks\n");
    MPI_Finalize();
    return 2;
  }
  /* The stencil's arrays per rank: 2 grids x 3 rows x 4 MiB for the 4 MiB halo (grid 2 x
   * 524288 on 2 ranks); 2 x 3 x 3 doubles for the 8-byte halo (grid 2 x 1). */
  /* Blocks as long as bench/halo-comm.toml's repetitions: 2000 and 20 sweeps, 7 times. */
  measure(8, 2 * 3 * 3 * 8, 2000, 7, rank);
  measure(4 << 20, 2L * 3 * (4 << 20), 20, 7, rank);
  MPI_Finalize();
  return 0;
}
