#!/bin/bash
# The per-run watchdog end to end (tests/e2e/timeout.toml, timeout_s = 1.5):
#  - continue (default): the hung run is abandoned and marked timeout, the slow run stops
#    at a repetition boundary with what it measured, the runs after them are measured;
#    exit 1; no rank is left running
#  - on_timeout = "stop" for the hung run's block: the report ends after the hung run,
#    partial, exit 5, journal kept; --resume measures the rest and keeps the timed-out
#    run as it was
# usage: timeout_test.sh PARLAB MPIRUN... (work dir: the current directory)
set -u
parlab=$1
shift
here=$(dirname "$(realpath "$0")")
config=$here/timeout.toml
analyze=$here/../../python/parlab-analyze
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
attr() { h5dump -a "$2" "$1" | sed -n 's/^ *(0): //p'; }

report=$PWD/timeout.h5
rm -f "$report" "$report".*
"$@" -n 2 "$parlab" run "$config" -o "$report" > timeout.out 2>&1
rc=$?
cat timeout.out
check "exit code 1 (runs did not end ok)" "[ $rc -eq 1 ]"
check "report complete" "[ \"\$(attr $report /status)\" = '\"complete\"' ]"
check "run-0001 ok" "[ \"\$(attr $report /runs/run-0001/status)\" = '\"ok\"' ]"
check "hung run-0002 marked timeout" "[ \"\$(attr $report /runs/run-0002/status)\" = '\"timeout\"' ]"
check "hung run-0002 says where each rank was" \
      "attr $report /runs/run-0002/message | grep -q 'abandoned: no repetition boundary within 1 s after timeout_s = 1.5 s: rank 0 was in repetition 1; rank 1 was in repetition 1 (its thread is left behind)'"
check "the watchdog did not fire early" \
      "awk 'BEGIN { exit !($(attr $report /runs/run-0002/elapsed_s) >= 1.5) }'"
check "the hung run ended by timeout + grace + 10 s" \
      "awk 'BEGIN { exit !($(attr $report /runs/run-0002/elapsed_s) < 12.5) }'"
reps=$(h5dump -H -d /runs/run-0003/samples "$report" | sed -n 's/.*DATASPACE  SIMPLE { ( \([0-9]*\),.*/\1/p')
check "slow run-0003 stopped at a boundary with its $reps repetitions kept" \
      "[ \"\$(attr $report /runs/run-0003/status)\" = '\"timeout\"' ] && [ $reps -ge 1 ] && [ $reps -lt 20 ] && \
       attr $report /runs/run-0003/message | grep -q \"stopped after $reps of 20 repetitions: the run reached timeout_s = 1.5 s\""
check "run-0004 measured after them, ok" "[ \"\$(attr $report /runs/run-0004/status)\" = '\"ok\"' ]"
check "run-0004 warns about the thread left behind" \
      "h5dump -a /runs/run-0004/warnings $report | grep -q 'rank 1 still has the thread of timed-out run(s) run-0002'"
check "no rank left running" "! pgrep -f 'parlab run $config -o $report' >/dev/null"
/usr/bin/python3 "$analyze" summary "$report" > summary.txt 2>&1; rc=$?
cat summary.txt
check "parlab-analyze summary reads it: timeout rows, no rate for the abandoned run" \
      "[ $rc -eq 0 ] && grep -Eq '^fault\[mode=hang_run\] .* - +- +- +- +timeout$' summary.txt && \
       grep -Eq '^fault\[sleep_ms=400\] .* timeout$' summary.txt"

report=$PWD/timeout-stop.h5
rm -f "$report" "$report".*
sed 's/^mode = \[/on_timeout = "stop"\nmode = [/' "$config" > timeout-stop.toml
"$@" -n 2 "$parlab" run timeout-stop.toml -o "$report" -q > stop.out 2>&1
rc=$?
cat stop.out
check "on_timeout = stop: exit code 5" "[ $rc -eq 5 ]"
check "report partial, stopped by run-0002" \
      "attr $report /status | grep -q 'partial: stopped after run-0002 timed out (on_timeout = .stop.)'"
check "only runs 1 and 2 measured" "[ \"\$(h5ls $report/runs | awk '{print \$1}' | xargs)\" = 'run-0001 run-0002' ]"
check "journal kept" "[ -f $report.journal ]"
"$@" -n 2 "$parlab" run timeout-stop.toml -o "$report" -q --resume > resume.out 2>&1
rc=$?
check "--resume measures the rest (exit 1: timed-out runs)" "[ $rc -eq 1 ]"
check "resumed report complete with 4 runs, 2 resumed" \
      "[ \"\$(attr $report /status)\" = '\"complete\"' ] && [ \$(h5ls $report/runs | wc -l) -eq 4 ] && [ \$(attr $report /runs_resumed) -eq 2 ]"
check "the resumed timed-out run is kept as it was" \
      "[ \"\$(attr $report /runs/run-0002/status)\" = '\"timeout\"' ] && [ \$(attr $report /runs/run-0002/resumed) -eq 1 ]"
[ $fail -eq 0 ] && echo PASS
exit $fail
