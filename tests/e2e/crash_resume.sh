#!/bin/bash
# One rank of a 2-rank job is killed with SIGKILL mid-experiment:
#  - mpirun ends the other rank (no hang: it must be over within 60 s; the time is printed)
#  - no report under the final name; the journal holds every run finished before the crash
#  - `parlab run --resume` measures only the rest, and its report has the structure of an
#    uninterrupted run's, with the crashed job's samples for the runs it had finished
# usage: crash_resume.sh PARLAB MPIRUN... (work dir: the current directory)
set -u
parlab=$1
shift
here=$(dirname "$(realpath "$0")")
config=$here/crash.toml
reference=$PWD/crash-reference.h5
report=$PWD/crash.h5
rm -f "$reference" "$report" "$report".*
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
source "$here/ranks.sh"
job="parlab run $config -o $report"

"$@" -n 2 "$parlab" run "$config" -o "$reference" -q > reference.out 2>&1 ||
  { echo "FAIL: the uninterrupted run failed"; cat reference.out; exit 1; }

"$@" -n 2 "$parlab" run "$config" -o "$report" -q > crashed.out 2>&1 &
launcher=$!
for _ in $(seq 600); do
  [ -f "$report.journal" ] && [ "$(wc -l < "$report.journal")" -ge 4 ] && break
  sleep 0.05
done
victim=$(rank_pid "$job" 1)
[ -n "$victim" ] || { echo "FAIL: rank 1 not found"; kill -9 $launcher; exit 1; }
start=$(date +%s.%N)
kill -9 "$victim"
for _ in $(seq 600); do kill -0 $launcher 2>/dev/null || break; sleep 0.05; done
wait $launcher
rc=$?
seconds=$(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $start }")
echo "rank 1 killed: mpirun ended after $seconds s with exit code $rc"
check "mpirun ended within 60 s of the crash" "awk 'BEGIN { exit !($seconds < 60) }'"
check "mpirun reported the failure (exit code non-zero)" "[ $rc -ne 0 ]"
check "no rank of the crashed job still runs" "[ -z \"\$(job_ranks \"$job\")\" ]"
check "no report under the final name" "[ ! -e $report ]"
finished=$(( $(wc -l < "$report.journal") - 1 ))
check "the journal holds the runs finished before the crash ($finished)" "[ $finished -ge 3 ]"
cp "$report.journal" crashed.journal
cp "$report.tmp" crashed.h5.tmp 2>/dev/null

"$@" -n 2 "$parlab" run "$config" -o "$report" --resume > resumed.out 2>&1
rc=$?
check "--resume exits 0" "[ $rc -eq 0 ]"
check "--resume says what it kept" "grep -q 'parlab: resuming: $finished of 10 runs finished earlier' resumed.out"
check "resumed runs are not measured again" \
      "[ \$(grep -c 'resumed from the journal' resumed.out) -eq $finished ]"
check "the journal and the lock are gone" "[ ! -e $report.journal ] && [ ! -e $report.lock ] && [ ! -e $report.tmp ]"
/usr/bin/python3 "$here/check_resumed.py" "$reference" "$report" crashed.journal crashed.h5.tmp || fail=1
[ $fail -eq 0 ] && echo PASS
exit $fail
