#!/bin/bash
# usage: placement_test.sh PARLAB MPIRUN SOURCE_DIR WORK_DIR
# placement = ["compact", "none"] measured in one launch of 2 ranks; the report is checked by
# check_placement.py. Also: the dry run names each run's placement, and compact still binds
# every worker to its own core when OpenMP binds too (OMP_PROC_BIND, as slurm/parlab.sbatch
# sets it).
set -eu
parlab=$1 mpirun=$2 src=$3 work=$4
mkdir -p "$work"
report=$work/placement.h5
rm -f "$report" "$report.journal"
"$parlab" run "$src/tests/e2e/placement.toml" -o "$report" --dry-run \
  | grep -q "run-0001 .* placement=compact " || { echo "FAIL: dry run names no placement"; exit 1; }
env -u OMP_PROC_BIND -u OMP_PLACES "$mpirun" -n 2 "$parlab" run -q \
  "$src/tests/e2e/placement.toml" -o "$report"
/usr/bin/python3 "$src/tests/e2e/check_placement.py" "$report" "$src/python"
rm -f "$work/omp.h5"
OMP_PROC_BIND=close OMP_PLACES=cores "$mpirun" -n 2 "$parlab" run -q \
  "$src/tests/e2e/placement.toml" -o "$work/omp.h5" >/dev/null
/usr/bin/python3 "$src/tests/e2e/check_placement.py" "$work/omp.h5" "$src/python" omp-binds
