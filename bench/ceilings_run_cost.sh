#!/bin/bash
# What the ceilings cost `parlab run` when they are cached (target: < 0.1 s): the same
# one-run experiment with `probe = false` and with the ceilings read from a valid cache,
# interleaved ROUNDS times on 2 ranks. Prints the best wall time of each, their difference,
# and the best `obtain_s` the reports record (the time inside ObtainCeilings).
# Usage: bench/ceilings_run_cost.sh [BUILD_DIR]   (default build/release; ROUNDS=5)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
parlab=$build/bin/parlab
[ -x "$parlab" ] || { echo "no $parlab: build the parlab target first" >&2; exit 1; }
rounds=${ROUNDS:-5}
out=$(mktemp -d /tmp/parlab-ceilings-cost.XXXXXX)
export PARLAB_CEILINGS_CACHE=${PARLAB_CEILINGS_CACHE:-$out/cache.json}
# A valid cache first (measured now unless it is this machine's already).
tools/mpirun.sh -n 2 "$parlab" probe --json --cache "$PARLAB_CEILINGS_CACHE" > /dev/null
body='[experiment]
repetitions = 1
warmups = 0
[[run]]
kernel = "empty"
models = ["processes"]
ranks = 2
size = 1'
printf '%s\n' "$body" > "$out/cached.toml"
{ echo "probe = false"; printf '%s\n' "$body"; } > "$out/off.toml"
for round in $(seq 1 "$rounds"); do
  for mode in off cached; do
    rm -f "$out/$mode.h5"
    start=$(date +%s%N)
    tools/mpirun.sh -n 2 "$parlab" run "$out/$mode.toml" -o "$out/$mode.h5" -q > /dev/null
    echo "$mode $(( $(date +%s%N) - start ))" >> "$out/times.txt"
    [ "$mode" = cached ] && h5dump -a /environment/ceilings/obtain_s "$out/cached.h5" \
      | awk '/\(0\)/ {print "obtain", $2}' >> "$out/times.txt"
  done
done
awk '
  $1 == "off" && (!off || $2 < off) { off = $2 }
  $1 == "cached" && (!cached || $2 < cached) { cached = $2 }
  $1 == "obtain" && (obtain == "" || $2 < obtain) { obtain = $2 }
  END {
    printf "parlab run, best of %d: probe = false %.3f s, cached ceilings %.3f s, " \
           "difference %+.3f s; obtain_s (in the report) %.4f s (target < 0.1 s)\n",
           '"$rounds"', off / 1e9, cached / 1e9, (cached - off) / 1e9, obtain
  }' "$out/times.txt"
echo "raw data in $out"
