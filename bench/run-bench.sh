#!/bin/bash
# parlab's kernels against independent references, in one run on this machine.
# Needs the dependencies (tools/install-deps.sh). Prints a ratio table; see bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" >/dev/null
bin=build/release
out=$(mktemp -d /tmp/parlab-bench.XXXXXX)
parlab=$bin/drivers/parlab

# parlab runs as one process (MPI singleton) with the machine's environment unchanged.
$parlab run bench/dgemm.toml -o "$out/dgemm.h5" -q >/dev/null
$parlab run bench/triad.toml -o "$out/triad.h5" -q >/dev/null
for reps in 10 100000; do
  sed "s/^warmups = 0/warmups = 0\nrepetitions = $reps/" bench/empty.toml > "$out/empty-$reps.toml"
  $parlab run "$out/empty-$reps.toml" -o "$out/empty-$reps.h5" -q >/dev/null
done
# The same dgemm runs with OpenBLAS free to pick its kernel, to separate parlab's split
# from the machine's OPENBLAS_CORETYPE setting.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $parlab run bench/dgemm.toml -o "$out/dgemm-free.h5" -q >/dev/null

# References: OpenBLAS at its best (both variables unset in this command only).
for threads in 1 2; do
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=$threads \
    $bin/bench/bench_ref_dgemm 1024 7
  OMP_NUM_THREADS=$threads $bin/bench/bench_ref_triad 8000000 5 7
done > "$out/references.txt"

/usr/bin/python3 bench/compare.py "$out"
echo "raw data: $out"
