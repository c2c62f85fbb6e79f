#!/bin/bash
# The python kernel (real CPython) against its targets and against parlab's gil emulation,
# in one invocation on this machine: bench/python.toml on 2 ranks and the same tasks as
# plain CPython programs (bench/python_reference.py), ROUNDS interleaved rounds (host
# noise), then the harness overhead per repetition; compare_python.py prints
# every ratio with its spread over the rounds and a verdict.
# usage: bench/python.sh [BUILD_DIR]   (default build/release; it must hold bin/parlab)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
parlab=$build/bin/parlab
[ -x "$parlab" ] || { echo "bench/python.sh: no $parlab (build the release tree first)" >&2; exit 2; }
# (not `list | grep -q`: grep leaving early makes parlab's SIGPIPE fail the pipeline)
grep -q '^  python ' <<< "$("$parlab" list)" || {
  echo "bench/python.sh: $parlab has no python kernel (configured without PARLAB_PYTHON)" >&2; exit 2; }
out=$(mktemp -d /tmp/parlab-bench-python.XXXXXX)
rounds=${ROUNDS:-3}
for round in $(seq 1 "$rounds"); do
  tools/mpirun.sh -n 2 "$parlab" run bench/python.toml -o "$out/python-$round.h5" -q >/dev/null
  # The independent reference: the same tasks as plain CPython programs.
  /usr/bin/python3 bench/python_reference.py 7 > "$out/reference-$round.json"
done
for reps in 10 20000; do
  sed "s/REPS/$reps/" bench/python-overhead.toml > "$out/overhead-$reps.toml"
  "$parlab" run "$out/overhead-$reps.toml" -o "$out/overhead-$reps.h5" -q >/dev/null
done
PYTHONPATH=python /usr/bin/python3 bench/compare_python.py "$out" "$rounds"
echo "raw data: $out"
