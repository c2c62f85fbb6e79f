#!/bin/bash
# The stencil's halo exchange against bench/ref_halo.c, in one invocation, in ROUNDS turns
# (default 3): bench/halo-comm.toml, its 8-byte row again with PARLAB_THREAD_LEVEL=single, the reference at MPI_Init and at MPI_THREAD_MULTIPLE,
# config/stencil-strong.toml; then the ratios (bench/compare_halo.py). BUILD is the build directory (default build/release),
# with the targets parlab and bench_ref_halo built.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BUILD:-build/release}
parlab=$bin/bin/parlab
out=$(mktemp -d /tmp/parlab-halo.XXXXXX)
rounds=${ROUNDS:-3}
for round in $(seq 1 "$rounds"); do
  tools/mpirun.sh -n 4 "$parlab" run bench/halo-comm.toml -o "$out/halo-$round.h5" -q >/dev/null
  awk '/^\[\[run\]\]/{n++} n<2' bench/halo-comm.toml > "$out/single.toml"
  PARLAB_THREAD_LEVEL=single tools/mpirun.sh -n 2 "$parlab" run "$out/single.toml" \
    -o "$out/single-$round.h5" -q >/dev/null
  tools/mpirun.sh -n 2 "$bin/bench/bench_ref_halo" > "$out/ref-$round.txt"
  tools/mpirun.sh -n 2 "$bin/bench/bench_ref_halo" multiple >> "$out/ref-$round.txt"
  tools/mpirun.sh -n 2 "$parlab" run config/stencil-strong.toml -o "$out/strong-$round.h5" -q >/dev/null
done
PYTHONPATH=python /usr/bin/python3 bench/compare_halo.py "$out" "$rounds"
echo "raw data: $out"
