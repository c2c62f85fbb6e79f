#!/bin/bash
# A run stopped mid-experiment keeps every run it finished.
#  KILL:   SIGKILL to every rank: no file under the final name; the temporary report is
#          valid HDF5 holding the finished runs, status "incomplete"; the journal holds them.
#  TERM:   SIGTERM to the launcher (tools/mpirun.sh, as a batch system sends before its
#          kill), INT: SIGINT to it (Ctrl-C), TERM@1 / INT@0: the signal reaches one rank
#          only. Every time the report is finished under its final name, status "partial:
#          interrupted by SIG...", exit code 4 (interrupted: resume it), the journal is
#          kept; after TERM, --resume completes the experiment.
#  MPIRUN: SIGTERM to mpirun itself: Open MPI aborts the job and exits 1 whatever the ranks
#          did, but the report is partial as above and `parlab status` says 4.
# usage: killed_run.sh KILL|TERM|INT|TERM@1|INT@0|MPIRUN PARLAB MPIRUN_ARGS... (work dir: the current directory)
set -u
mode=$1
parlab=$2
shift 2
config=$(dirname "$(realpath "$0")")/slow.toml
report=$PWD/killed-${mode/@/-}.h5
rm -f "$report" "$report".*
"$@" -n 2 "$parlab" run "$config" -o "$report" -q >/dev/null 2>&1 &
launcher=$!
export HDF5_USE_FILE_LOCKING=FALSE
for _ in $(seq 1 600); do
  if h5ls "$report.tmp/runs/run-0002" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
source "$(dirname "$(realpath "$0")")/ranks.sh"
fail=0
signal=${mode%@*}
[ "$mode" = MPIRUN ] && signal=TERM
if [ "$mode" = KILL ]; then
  pkill -9 -f "parlab run $config -o $report " || true
  wait "$launcher"
  echo "launcher exited with $?"
  kept=$report.tmp
  if [ -e "$report" ]; then echo "FAIL: a report exists under the final name"; fail=1; fi
  expected_status=incomplete
else
  start=$(date +%s.%N)
  case $mode in
    *@*) target=$(rank_pid "parlab run $config -o $report " "${mode#*@}") ;;
    MPIRUN) target=$(pgrep -x mpirun -P "$launcher") ;;
    *) target=$launcher ;;
  esac
  [ -n "$target" ] || { echo "FAIL: no process to signal for $mode"; kill -9 "$launcher"; exit 1; }
  kill -"$signal" $target
  wait "$launcher"
  rc=$?
  echo "SIG$signal to $mode: launcher exited with $rc after $(awk "BEGIN { print $(date +%s.%N) - $start }") s"
  if [ "$mode" = MPIRUN ]; then
    [ $rc -ne 0 ] || { echo "FAIL: exit code 0 after SIG$signal to mpirun"; fail=1; }
  else
    [ $rc -eq 4 ] || { echo "FAIL: exit code $rc after SIG$signal, not 4"; fail=1; }
  fi
  kept=$report
  if [ -e "$report.tmp" ]; then echo "FAIL: the temporary report was left behind"; fail=1; fi
  expected_status="partial: interrupted by SIG$signal"
  [ "$mode" = INT ] && expected_status="partial: interrupted by SIG(INT|TERM)"
fi
if ! h5ls -r "$kept" > "listing-$mode.txt" 2>&1; then echo "FAIL: $kept unreadable"; fail=1; fi
for run in run-0001 run-0002; do
  grep -q "^/runs/$run/samples " "listing-$mode.txt" || { echo "FAIL: $run lost"; fail=1; }
  grep -q "\"id\":\"$run\"" "$report.journal" || { echo "FAIL: $run not in the journal"; fail=1; }
done
h5dump -a /status "$kept" | grep -Eq "$expected_status" || { echo "FAIL: status not '$expected_status'"; fail=1; }
if [ "$mode" != KILL ]; then
  "$parlab" status "$kept" > "status-$mode.txt"
  status_rc=$?
  cat "status-$mode.txt"
  [ $status_rc -eq 4 ] || { echo "FAIL: parlab status exit $status_rc, not 4 (resume it)"; fail=1; }
fi
kept_runs=$(grep -c "/samples " "listing-$mode.txt")
echo "runs kept: $kept_runs"
if [ "$mode" = TERM ]; then
  "$@" -n 2 "$parlab" run "$config" -o "$report" -q --resume > resumed.out 2>&1 ||
    { echo "FAIL: --resume failed"; cat resumed.out; fail=1; }
  h5dump -a /status "$report" | grep -q '"complete"' || { echo "FAIL: resumed report not complete"; fail=1; }
  h5dump -a /runs_resumed "$report" | grep -q "(0): $kept_runs\$" ||
    { echo "FAIL: the resumed report does not keep the $kept_runs runs"; fail=1; }
  [ "$(h5ls "$report/runs" | wc -l)" -eq 10 ] || { echo "FAIL: resumed report lacks runs"; fail=1; }
fi
[ $fail -eq 0 ] && echo PASS
exit $fail
