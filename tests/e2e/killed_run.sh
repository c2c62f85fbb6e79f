#!/bin/bash
# A run stopped mid-experiment keeps every run it finished.
#  KILL: SIGKILL to the ranks: no file under the final name; the temporary report is valid
#        HDF5 holding the finished runs, status "incomplete".
#  TERM: SIGTERM to mpirun (as SLURM does before its kill): the report is finished under
#        its final name, status "partial: interrupted by SIGTERM ...", exit code non-zero.
# usage: killed_run.sh KILL|TERM PARLAB MPIRUN_ARGS... (work dir: the current directory)
set -u
signal=$1
parlab=$2
shift 2
config=$(dirname "$(realpath "$0")")/slow.toml
report=$PWD/killed-$signal.h5
rm -f "$report" "$report.tmp"
"$@" -n 2 "$parlab" run "$config" -o "$report" -q >/dev/null 2>&1 &
launcher=$!
export HDF5_USE_FILE_LOCKING=FALSE
for _ in $(seq 1 600); do
  if h5ls "$report.tmp/runs/run-0002" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
fail=0
if [ "$signal" = KILL ]; then
  pkill -9 -f "parlab run $config -o $report " || true
  wait "$launcher"
  echo "launcher exited with $?"
  kept=$report.tmp
  if [ -e "$report" ]; then echo "FAIL: a report exists under the final name"; fail=1; fi
  expected_status=incomplete
else
  start=$(date +%s.%N)
  pkill -TERM -f "mpirun.*$config -o $report " || true
  wait "$launcher"
  rc=$?
  echo "launcher exited with $rc after $(awk "BEGIN { print $(date +%s.%N) - $start }") s"
  [ $rc -ne 0 ] || { echo "FAIL: exit code 0 after SIGTERM"; fail=1; }
  kept=$report
  if [ -e "$report.tmp" ]; then echo "FAIL: the temporary report was left behind"; fail=1; fi
  expected_status="partial: interrupted by SIGTERM"
fi
if ! h5ls -r "$kept" > listing-$signal.txt 2>&1; then echo "FAIL: $kept unreadable"; fail=1; fi
for run in run-0001 run-0002; do
  grep -q "^/runs/$run/samples " listing-$signal.txt || { echo "FAIL: $run lost"; fail=1; }
done
h5dump -a /status "$kept" | grep -q "$expected_status" || { echo "FAIL: status not '$expected_status'"; fail=1; }
grep -c "/samples " listing-$signal.txt | sed 's/^/runs kept: /'
[ $fail -eq 0 ] && echo PASS
exit $fail
