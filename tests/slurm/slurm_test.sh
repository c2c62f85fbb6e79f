#!/bin/bash
# A real SLURM on this machine: bring it up, run parlab as batch jobs, tear it down.
#  1. sbatch --wait of config/tiny.toml on 2 tasks: report exists, its SLURM metadata
#     matches the job, safe counter rows end at 0
#  2. a job array of 2 shapes plus the merge job: one merged report; resubmitting runs
#     only what is not done
#  3. scancel --signal=TERM (and --signal=INT) of a running job: a valid report marked
#     partial; the same through parlab.sbatch's mpirun fallback: exit 4; scontrol requeue of a running job: the job runs again and resumes from the
#     journal (SLURM_RESTART_COUNT), finishing the report with the runs done before kept
#  4. down: no daemon left
# usage: slurm_test.sh SOURCE_DIR PARLAB
set -u
source_dir=$1
parlab=$2
cluster=$source_dir/tools/cluster/local-cluster.sh
work=$(mktemp -d /tmp/psl.XXXX)  # short: socket paths are limited to 108 characters
fail=0
cleanup() {
  "$cluster" down "$work" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
if ! up=$("$cluster" up "$work" 2>&1); then
  echo "FAIL: the local SLURM cluster cannot start: $up"
  exit 1
fi
export SLURM_CONF=$work/slurm.conf
export PARLAB=$parlab
cd "$source_dir" || exit 1
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }

# 1. One experiment as a batch job.
job=$(sbatch --parsable --wait -o "$work/tiny-%j.out" slurm/parlab.sbatch config/tiny.toml \
      "$work/tiny.h5" --quiet)
rc=$?
check "sbatch --wait tiny exits 0 (job $job)" "[ $rc -eq 0 ]"
check "report exists" "[ -f $work/tiny.h5 ]"
check "report records the job id" \
      "h5dump -a /environment/slurm_job_id $work/tiny.h5 | grep -q '\"$job\"'"
check "report records the node list" \
      "h5dump -a /environment/slurm_job_nodelist $work/tiny.h5 | grep -q '\"$(hostname -s)\"'"
check "safe counter rows end at 0" "/usr/bin/python3 - $work/tiny.h5 <<'PY'
import sys, h5py
with h5py.File(sys.argv[1]) as f:
    rows = [r for r in f['runs'].values() if r.attrs['kernel'] == 'counter'
            and r.attrs['param_variant'] != 'racy']
    assert rows and all(r['results/final_value'][()] == 0 for r in rows)
PY"

# 2. A sweep: job array over 2 shapes, then the merge job.
slurm/parlab-sweep tests/slurm/sweep.toml --out "$work/sweep" --wait > "$work/sweep.log" 2>&1
rc=$?
cat "$work/sweep.log"
check "sweep of 2 shapes and merge exits 0" "[ $rc -eq 0 ]"
check "merged report holds both shapes" "/usr/bin/python3 - $work/sweep/merged.h5 <<'PY'
import sys, h5py
with h5py.File(sys.argv[1]) as f:
    shapes = {(int(r.attrs['ranks']), int(r.attrs['threads'])) for r in f['runs'].values()}
    assert shapes == {(1, 2), (2, 1)}, shapes
PY"
check "every shape left a done marker with status 0" \
      "[ \"\$(cat $work/sweep/done/shape-1x2 $work/sweep/done/shape-2x1)\" = \"\$(printf '0\n0')\" ]"
slurm/parlab-sweep tests/slurm/sweep.toml --out "$work/sweep" --dry-run > "$work/again.log"
check "resubmitting runs no shape that is done" "grep -q 'to run: none' $work/again.log"

# Waits until run-0002 of REPORT is in its temporary file.
two_runs_done() {
  for _ in $(seq 300); do
    HDF5_USE_FILE_LOCKING=FALSE h5ls "$1.tmp/runs/run-0002" >/dev/null 2>&1 && return
    sleep 0.1
  done
}
job_gone() { for _ in $(seq 300); do [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return; sleep 0.2; done; }

# 3. SIGTERM before the kill, SIGINT, and a requeue.
job=$(sbatch --parsable -o "$work/slow-%j.out" slurm/parlab.sbatch tests/e2e/slow.toml "$work/slow.h5" --quiet)
two_runs_done "$work/slow.h5"
scancel --signal=TERM "$job"
job_gone "$job"
cat "$work"/slow-*.out
check "after SIGTERM the report is under its final name" "[ -f $work/slow.h5 ] && [ ! -e $work/slow.h5.tmp ]"
check "it is marked partial" "h5dump -a /status $work/slow.h5 | grep -q 'partial: interrupted by SIGTERM'"
check "it keeps the runs finished before" "h5ls $work/slow.h5/runs | grep -q run-0002"
check "the job ended non-zero" "grep -q \"JobId=$job .*ExitCode=[1-9]\" $work/log/jobcomp.txt"

job=$(sbatch --parsable -o "$work/int-%j.out" slurm/parlab.sbatch tests/e2e/slow.toml "$work/int.h5" --quiet)
two_runs_done "$work/int.h5"
scancel --signal=INT "$job"
job_gone "$job"
check "after SIGINT the report is marked partial" \
      "h5dump -a /status $work/int.h5 | grep -q 'partial: interrupted by SIGINT'"

# The mpirun fallback has no job step: scancel --batch signals the batch shell, which is
# the stop-ranks launcher (parlab.sbatch execs it), and it passes the signal to the ranks.
job=$(PARLAB_LAUNCHER=mpirun sbatch --parsable -o "$work/fallback-%j.out" slurm/parlab.sbatch \
      tests/e2e/slow.toml "$work/fallback.h5" --quiet)
two_runs_done "$work/fallback.h5"
scancel --batch --signal=TERM "$job"
job_gone "$job"
check "mpirun fallback: the job took it (PARLAB_LAUNCHER=mpirun)" \
      "grep -q 'parlab.sbatch: mpirun fallback' $work/fallback-$job.out"
check "mpirun fallback, scancel --batch --signal=TERM: the report is marked partial" \
      "h5dump -a /status $work/fallback.h5 | grep -q 'partial: interrupted by SIGTERM'"
check "mpirun fallback: the job's exit code is the ranks' 4" \
      "grep -q \"JobId=$job .*ExitCode=4:0\" $work/log/jobcomp.txt"

job=$(sbatch --parsable --requeue -o "$work/requeue.out" --open-mode=append slurm/parlab.sbatch \
      tests/e2e/slow.toml "$work/requeue.h5" --quiet)
two_runs_done "$work/requeue.h5"
scontrol requeue "$job"
# SLURM holds a requeued job for a while before it may start again: release it now.
for _ in $(seq 150); do
  state=$(squeue -h -j "$job" -o %T 2>/dev/null)
  [ -z "$state" ] || [ "$state" = RUNNING ] && break
  [ "$state" = PENDING ] && scontrol update jobid="$job" StartTime=now 2>/dev/null
  sleep 0.2
done
job_gone "$job"
cat "$work/requeue.out"
check "the requeued job resumed from its journal" "grep -q 'parlab: resuming: [1-9][0-9]* of 10 runs' $work/requeue.out"
check "its report is complete, with the runs of the first attempt kept" \
      "h5dump -a /status $work/requeue.h5 | grep -q '\"complete\"' && \
       h5dump -a /runs_resumed $work/requeue.h5 | grep -Eq '\(0\): ([2-9]|10)\$'"

# 4. Down leaves nothing running.
"$cluster" down "$work"
check "no slurmctld, slurmd or our munged left" \
      "! pgrep -f \"slurm(ctld|d) -f $work\" >/dev/null && [ ! -f $work/run/munged.pid ]"
[ $fail -eq 0 ] && echo PASS
exit $fail
