#!/bin/bash
# parlab's kernels against independent references, in one run on this machine.
# Needs the dependencies (tools/install-deps.sh). Prints a ratio table; see bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/configure.sh release
cmake --build --preset release -j "$(nproc)" >/dev/null
bin=build/release
out=$(mktemp -d /tmp/parlab-bench.XXXXXX)
parlab=$bin/bin/parlab

# Host noise moves bandwidth by tens of percent between minutes, so parlab and each
# reference run interleaved, ROUNDS times; compare.py takes each side's best median.
rounds=${ROUNDS:-3}
: > "$out/references.txt"
for round in $(seq 1 "$rounds"); do
  # parlab runs as one process (MPI singleton) with the machine's environment unchanged.
  $parlab run bench/dgemm.toml -o "$out/dgemm-$round.h5" -q >/dev/null
  # The same dgemm runs with OpenBLAS free to pick its kernel, to separate parlab's split
  # from the machine's OPENBLAS_CORETYPE setting.
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    $parlab run bench/dgemm.toml -o "$out/dgemm-free-$round.h5" -q >/dev/null
  $parlab run bench/triad.toml -o "$out/triad-$round.h5" -q >/dev/null
  # References: OpenBLAS at its best (both variables unset in this command only).
  for threads in 1 2; do
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=$threads \
      $bin/bench/bench_ref_dgemm 1024 7
    OMP_NUM_THREADS=$threads $bin/bench/bench_ref_triad 8000000 5 7
  done >> "$out/references.txt"
done
for reps in 10 100000; do
  sed "s/^warmups = 0/warmups = 0\nrepetitions = $reps/" bench/empty.toml > "$out/empty-$reps.toml"
  $parlab run "$out/empty-$reps.toml" -o "$out/empty-$reps.h5" -q >/dev/null
  sed 's/^models = \["serial"\]/models = ["processes"]\nranks = 2/' "$out/empty-$reps.toml" \
    > "$out/empty2-$reps.toml"
  tools/mpirun.sh -n 2 $parlab run "$out/empty2-$reps.toml" -o "$out/empty2-$reps.h5" -q >/dev/null
done

PYTHONPATH=python /usr/bin/python3 bench/compare.py "$out" "$rounds"

# Communication and I/O (issue 4).
command -v fio >/dev/null || { apt-get update -qq && apt-get install -y -qq fio >/dev/null; }
tools/mpirun.sh -n 2 $parlab run bench/io-fio.toml -o "$out/io-fio.h5" -q >/dev/null
rm -f /tmp/parlab-bench-fio.dat
fio --name=seq --rw=write --bs=4M --size=512M --loops=6 --ioengine=psync --filename=/tmp/parlab-bench-fio.dat \
  --output-format=json > "$out/fio.json"
rm -f /tmp/parlab-bench-fio.dat
tools/mpirun.sh -n 2 $parlab run bench/io-overlap.toml -o "$out/io-overlap.h5" -q >/dev/null
tools/mpirun.sh -n 2 $parlab run config/stencil-strong.toml -o "$out/stencil-strong.h5" -q >/dev/null
tools/mpirun.sh -n 2 $parlab run bench/halo.toml -o "$out/halo.h5" -q >/dev/null
tools/mpirun.sh -n 2 $bin/bench/bench_ref_pingpong > "$out/pingpong.txt"
echo
PYTHONPATH=python /usr/bin/python3 bench/compare_io.py "$out"
echo "raw data: $out"
