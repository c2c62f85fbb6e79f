#!/bin/bash
# Two parlab jobs pointed at the same output: the second fails clearly while the first
# writes; the first's report is complete; a stale lock (dead pid) is taken over.
# usage: concurrent_writers.sh PARLAB MPIRUN... (work dir: current directory)
set -u
parlab=$1
shift
report=$PWD/shared.h5
slow=$(dirname "$(realpath "$0")")/slow.toml
rm -f "$report" "$report.lock" "$report.tmp"
fail=0
"$@" -n 1 "$parlab" run "$slow" -o "$report" -q > first.out 2>&1 &
first=$!
for _ in $(seq 100); do [ -e "$report.lock" ] && break; sleep 0.05; done
"$@" -n 1 "$parlab" run "$slow" -o "$report" -q > second.out 2>&1
rc=$?
grep '^parlab: error' second.out
[ $rc -ne 0 ] || { echo "FAIL: the second writer did not fail"; fail=1; }
grep -q "^parlab: error: output $report is being written by another parlab (pid [0-9]* on" second.out ||
  { echo "FAIL: no clear error for the second writer"; fail=1; }
wait $first || { echo "FAIL: the first writer failed"; cat first.out; fail=1; }
h5dump -a /status "$report" | grep -q '"complete"' || { echo "FAIL: first report not complete"; fail=1; }
[ ! -e "$report.lock" ] || { echo "FAIL: lock left behind"; fail=1; }
echo "$(hostname) 999999999" > "$report.lock"  # a writer that no longer exists
"$@" -n 1 "$parlab" run "$slow" -o "$report" -q > third.out 2>&1 ||
  { echo "FAIL: a stale lock was not taken over"; cat third.out; fail=1; }
[ $fail -eq 0 ] && echo PASS
exit $fail
