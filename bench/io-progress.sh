#!/bin/bash
# Issue 15's benchmark: parlab's io kernel (blocking, then nonblocking with the default
# progress and, with ALL=1, every method) against bench_ref_io_overlap, an independent
# helper-thread reference, at the same bytes per rank and compute, interleaved ROUNDS times
# in this one invocation, at 1 rank x 1 thread and 2 ranks x 1 thread. Prints both
# overlaps per shape and their ratio. A/B of the blocking path: BASELINE=/path/to/old/parlab.
# usage: bench/io-progress.sh BUILD_DIR [DIR]   (DIR: where the files go, default /tmp)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$1
dir=${2:-/tmp}
rounds=${ROUNDS:-3}
per_rank_sweeps=${SWEEPS:-2}  # compute sweeps x ranks: the same compute time per rank at 1 and 2 ranks
out=$(mktemp -d /tmp/parlab-io-progress.XXXXXX)
progress='["auto"]'
[ "${ALL:-0}" = 1 ] && progress='["auto", "test", "thread", "helper"]'
for round in $(seq 1 "$rounds"); do
  for ranks in 1 2; do
    model=$([ "$ranks" = 1 ] && echo serial || echo processes)
    sweeps=$((per_rank_sweeps * ranks))
    sed -e "s/MODEL/$model/" -e "s/RANKS/$ranks/" -e "s/SWEEPS/$sweeps/" -e "s/PROGRESS/$progress/" \
      "$src/bench/io-progress.toml" | sed "s|^compute_sweeps|dir = \"$dir\"\ncompute_sweeps|" > "$out/io-$ranks.toml"
    "$src/tools/mpirun.sh" -n "$ranks" "$build/bin/parlab" run "$out/io-$ranks.toml" \
      -o "$out/parlab-$ranks-$round.h5" -q > /dev/null
    if [ -n "${BASELINE:-}" ]; then
      awk '/^\[\[run\]\]/{n++} n<2' "$out/io-$ranks.toml" > "$out/blocking-$ranks.toml"
      # The second of two back-to-back runs is often slower (the first one's writeback):
      # the order alternates between rounds.
      pair=("$BASELINE baseline" "$build/bin/parlab blocking")
      [ $((round % 2)) = 0 ] && pair=("${pair[1]}" "${pair[0]}")
      for entry in "${pair[@]}"; do
        read -r binary name <<< "$entry"
        "$src/tools/mpirun.sh" -n "$ranks" "$binary" run "$out/blocking-$ranks.toml" \
          -o "$out/$name-$ranks-$round.h5" -q > /dev/null
      done
    fi
    for method in thread poll; do
      "$src/tools/mpirun.sh" -n "$ranks" "$build/bench/bench_ref_io_overlap" \
        $((4194304 / ranks)) "$sweeps" 12 "$dir" "$method" >> "$out/reference-$ranks.txt"
    done
  done
done
PYTHONPATH="$src/python" /usr/bin/python3 "$src/bench/compare_io_progress.py" "$out" "$rounds"
echo "raw data: $out (the machine may be shared: rerun before trusting a ratio)"
