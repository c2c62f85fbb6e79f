#!/bin/bash
# Two emulated SLURM nodes (two slurmd -N, each in its own UTS namespace): sbatch -N 2 runs
# the tiny multi-node config over both, with results equal to a single-node run.
# usage: slurm_two_nodes_test.sh SOURCE_DIR PARLAB MPIRUN...
set -u
source_dir=$1
parlab=$2
shift 2
cluster=$source_dir/tools/cluster/local-cluster.sh
config=$source_dir/tests/cluster/multinode-tiny.toml
work=$(mktemp -d /tmp/psl.XXXX)
cleanup() { "$cluster" down "$work" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
if ! up=$("$cluster" up "$work" 2 2>&1); then echo "FAIL: a 2-node SLURM cannot start: $up"; exit 1; fi
export SLURM_CONF=$work/slurm.conf PARLAB=$parlab
cd "$source_dir" || exit 1
sbatch --wait -N 2 --ntasks-per-node=2 -o "$work/job-%j.out" slurm/parlab.sbatch "$config" \
  "$work/two.h5" --quiet > /dev/null
rc=$?
cat "$work"/job-*.out | head -3
[ $rc -eq 0 ] || { echo "FAIL: sbatch -N 2 exited $rc"; exit 1; }
"$@" -n 4 "$parlab" run "$config" -o "$work/one.h5" -q > /dev/null 2>&1 || { echo "FAIL: 1-node run"; exit 1; }
/usr/bin/python3 "$source_dir/tests/cluster/check_multinode.py" "$work/two.h5" "$work/one.h5" ||
  { echo "FAIL: multi-node checks"; exit 1; }
"$cluster" down "$work"
pgrep -f "slurmd -N node[12] -f $work" > /dev/null && { echo "FAIL: a slurmd is left"; exit 1; }
echo PASS
