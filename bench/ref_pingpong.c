/* Independent reference: MPI ping-pong and MPI_Sendrecv exchange between ranks 0 and 1.
 * Prints "pingpong BYTES half_rtt_us exchange_us" (medians over repetitions). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

static double median(double* v, int n) {
  qsort(v, n, sizeof(double), compare);
  return v[n / 2];
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const int sizes[2] = {8, 4 << 20};
  for (int s = 0; s < 2; ++s) {
    const int bytes = sizes[s];
    const int reps = bytes < 1024 ? 20000 : 200;
    char* out = malloc(bytes);
    char* in = malloc(bytes);
    memset(out, rank, bytes);
    double* rtt = malloc(sizeof(double) * reps);
    double* exchange = malloc(sizeof(double) * reps);
    const int peer = 1 - rank;
    for (int r = -10; r < reps; ++r) {
      MPI_Barrier(MPI_COMM_WORLD);
      double start = MPI_Wtime();
      if (rank == 0) {
        MPI_Send(out, bytes, MPI_BYTE, peer, 0, MPI_COMM_WORLD);
        MPI_Recv(in, bytes, MPI_BYTE, peer, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      } else {
        MPI_Recv(in, bytes, MPI_BYTE, peer, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(out, bytes, MPI_BYTE, peer, 0, MPI_COMM_WORLD);
      }
      const double round_trip = MPI_Wtime() - start;
      MPI_Barrier(MPI_COMM_WORLD);
      start = MPI_Wtime();
      MPI_Sendrecv(out, bytes, MPI_BYTE, peer, 1, in, bytes, MPI_BYTE, peer, 1, MPI_COMM_WORLD,
                   MPI_STATUS_IGNORE);
      const double swap = MPI_Wtime() - start;
      if (r >= 0) {
        rtt[r] = round_trip / 2;
        exchange[r] = swap;
      }
    }
    if (rank == 0)
      printf("pingpong %d %.3f %.3f\n", bytes, median(rtt, reps) * 1e6, median(exchange, reps) * 1e6);
    free(out); free(in); free(rtt); free(exchange);
  }
  MPI_Finalize();
  return 0;
}
