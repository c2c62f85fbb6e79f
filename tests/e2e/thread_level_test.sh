#!/bin/bash
# PARLAB_THREAD_LEVEL: what parlab asks of MPI.
#  1. single: a flat and a funneled hybrid stencil run verify, and the report records
#     MPI_THREAD_SINGLE as granted;
#  2. single: a style that calls MPI from every thread is refused before any work, naming
#     the level granted;
#  3. an unknown name is one error line and exit 2 (e2e.bad_input.thread_level_unknown).
# usage: thread_level_test.sh MPIRUN PARLAB WORKDIR
set -u
mpirun=$1
parlab=$2
work=$3
rm -rf "$work" && mkdir -p "$work"
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
# Runs $work/NAME.toml at MPI_THREAD_SINGLE into $work/NAME.h5, shows its output; rc = exit code.
run_single() {
  PARLAB_THREAD_LEVEL=single "$mpirun" -n 2 "$parlab" run "$work/$1.toml" -o "$work/$1.h5" -q \
    > "$work/$1.log" 2>&1
  rc=$?
  cat "$work/$1.log"
}
cat > "$work/single.toml" <<'TOML'
[experiment]
repetitions = 2
warmups = 0
[[run]]
kernel = "stencil"
models = ["processes"]
ranks = 2
size = 30
cols = 17
iterations = 4
[[run]]
kernel = "stencil"
models = ["hybrid"]
ranks = 2
threads = 2
size = 30
cols = 17
iterations = 4
TOML
run_single single
check "runs at MPI_THREAD_SINGLE exit 0" "[ $rc -eq 0 ]"
check "the report records the level granted" \
      "h5dump -a /environment/mpi_thread_level $work/single.h5 | grep -q MPI_THREAD_SINGLE"
check "both runs verified" "/usr/bin/python3 - $work/single.h5 <<'PY'
import sys, h5py
with h5py.File(sys.argv[1]) as f:
    runs = list(f['runs'].values())
    assert len(runs) == 2 and all(r.attrs['status'] == 'ok' for r in runs), [r.attrs['status'] for r in runs]
    assert all(r['results/mismatches'][()] == 0 for r in runs)
PY"
awk '/^\[\[run\]\]/{n++} n!=1' "$work/single.toml" | sed '$a threading = "multiple"' > "$work/multiple.toml"
run_single multiple
check "the multiple style at MPI_THREAD_SINGLE is refused with exit 2" "[ $rc -eq 2 ]"
check "naming the level granted" \
      "grep -q '^parlab: error: .*needs MPI_THREAD_MULTIPLE, the MPI library granted MPI_THREAD_SINGLE' $work/multiple.log"
check "before any work (no report)" "[ ! -e $work/multiple.h5 ] && [ ! -e $work/multiple.h5.tmp ]"
[ $fail -eq 0 ] && echo PASS
exit $fail
