#!/bin/bash
# parlab probe's ceilings against Debian's likwid-bench, side by side in one invocation:
# peak FP64 FMA (peakflops_*_fma), triad bandwidth (stream_*_fma) and read bandwidth
# (load_*) at working sets inside L1, L2, L3 and DRAM (1 GB), on 1 core and all cores.
# Host noise moves rates by tens of percent between minutes, so both sides run
# interleaved ROUNDS times and each takes its best. Prints one ratio per ceiling.
# Usage: bench/ceilings.sh [BUILD_DIR]   (default build/release; ROUNDS=2, LIKWID_SHORT_RUNS=4,
# LIKWID_SECONDS=1, a whole number: likwid-bench -s takes whole seconds)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
parlab=$build/bin/parlab
[ -x "$parlab" ] || { echo "no $parlab: build the parlab target first" >&2; exit 1; }
command -v likwid-bench >/dev/null || { apt-get update -qq && apt-get install -y -qq likwid >/dev/null; }
rounds=${ROUNDS:-2}
seconds=${LIKWID_SECONDS:-1}
cores=$(nproc)
out=$(mktemp -d /tmp/parlab-ceilings.XXXXXX)

# likwid's kernels for the widest vector unit this CPU has.
if grep -qw avx512f /proc/cpuinfo; then isa=avx512; else isa=avx; fi
peak_test=peakflops_${isa}_fma
stream_test=stream_${isa}_fma
load_test=load_${isa}

# Cache sizes (KiB per instance) from sysfs, to put likwid's working sets inside a level.
cache_kib() {  # level type
  for d in /sys/devices/system/cpu/cpu0/cache/index*; do
    if [ "$(cat "$d/level")" = "$1" ] && [ "$(cat "$d/type")" = "$2" ]; then
      sed 's/K$//' "$d/size"; return
    fi
  done
  echo 0
}
l1=$(cache_kib 1 Data); l2=$(cache_kib 2 Unified); l3=$(cache_kib 3 Unified)
# Working sets of all threads (likwid -W sizes are totals), a few per level: likwid's rate
# still grows with the working set inside L1 (its per-call cost), so each level's likwid
# ceiling is the best of its sizes. L1: 1/2, 2/3 of L1d per thread; L2: 1/4, 1/2 of
# L2 per thread; L3: the geometric middle of all L2 and L3, and L3/4; DRAM: 1 GB.
working_sets() {  # threads
  local t=$1
  /usr/bin/python3 - "$t" "$l1" "$l2" "$l3" <<'PY'
import math, sys
t, l1, l2, l3 = (int(x) for x in sys.argv[1:])
sets = [("L1", l1 * t // 3), ("L1", l1 * t // 2), ("L1", 2 * l1 * t // 3),
        ("L2", l2 * t // 4), ("L2", l2 * t // 2),
        ("L3", int(math.sqrt(l2 * t * l3))), ("L3", l3 // 4)]
print(" ".join(f"{level}={kib}kB" for level, kib in sets), "DRAM=1GB")
PY
}

# One likwid-bench measurement as parlab makes its own: a run of `seconds` (likwid's
# usual way, a mean over the run), then SHORT_RUNS runs a tenth as long; the comparison
# takes the best. On a shared machine a 1 s mean rarely has every core to itself, a
# 0.1 s run may.
short_runs=${LIKWID_SHORT_RUNS:-4}
likwid() {  # output-prefix test workgroup
  local prefix=$1 test=$2 group=$3
  likwid-bench -s "$seconds" -t "$test" -W "$group" > "$prefix-0.txt" 2>&1 || true
  local iterations
  iterations=$(awk '/^Iterations per thread:/ {print int($4 / 10)}' "$prefix-0.txt")
  [ -n "$iterations" ] && [ "$iterations" -ge 1 ] || iterations=1
  for k in $(seq 1 "$short_runs"); do
    likwid-bench -i "$iterations" -t "$test" -W "$group" > "$prefix-$k.txt" 2>&1 || true
  done
}

echo "parlab ceilings vs likwid-bench ($peak_test, $stream_test, $load_test), $cores cores," \
     "L1d ${l1} KiB, L2 ${l2} KiB, L3 ${l3} KiB, $rounds rounds; raw data in $out"
for round in $(seq 1 "$rounds"); do
  # One rank per core, so the node scope (all ranks of a node) is measured too.
  start=$(date +%s%N)
  tools/mpirun.sh -n "$cores" "$parlab" probe --json --force --dir "$out" \
    --cache "$out/cache-$round.json" > "$out/probe-$round.json"
  echo "probe_nanoseconds $(( $(date +%s%N) - start ))" > "$out/probe-$round.time"
  for threads in 1 "$cores"; do
    # likwid pins thread i of -W N:size:threads to hardware thread i.
    likwid "$out/likwid-$round-peak-$threads" "$peak_test" "N:$((l1 * threads / 2))kB:$threads"
    for spec in $(working_sets "$threads"); do
      level=${spec%%=*}; size=${spec#*=}
      likwid "$out/likwid-$round-triad-$level-$threads-$size" "$stream_test" "N:$size:$threads"
      likwid "$out/likwid-$round-read-$level-$threads-$size" "$load_test" "N:$size:$threads"
    done
  done
done
/usr/bin/python3 bench/compare_ceilings.py "$out" "$rounds" "$cores"
