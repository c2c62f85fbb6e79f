#!/bin/bash
# A run killed with SIGKILL mid-experiment must leave no file under the final name, and
# its temporary report must be valid HDF5 holding every run finished before the kill.
# usage: killed_run.sh PARLAB MPIRUN_ARGS... (the work dir is the current directory)
set -u
parlab=$1
shift
config=$PWD/killed.toml
report=$PWD/killed.h5
rm -f "$report" "$report.tmp"
cat > "$config" <<'TOML'
[experiment]
name = "killed"
repetitions = 2
warmups = 0
[[run]]
kernel = "wait"
models = ["serial"]
size = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
wait_us = 100000
TOML
"$@" -n 2 "$parlab" run "$config" -o "$report" -q >/dev/null 2>&1 &
launcher=$!
export HDF5_USE_FILE_LOCKING=FALSE
for _ in $(seq 1 600); do
  if h5ls "$report.tmp/runs/run-0002" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
pkill -9 -f "parlab run $config" || true
wait "$launcher"
echo "launcher exited with $?"
fail=0
if [ -e "$report" ]; then echo "FAIL: a report exists under the final name"; fail=1; fi
if ! h5ls -r "$report.tmp" > listing.txt 2>&1; then echo "FAIL: temporary report unreadable"; fail=1; fi
for run in run-0001 run-0002; do
  grep -q "^/runs/$run/samples " listing.txt || { echo "FAIL: $run lost"; fail=1; }
done
h5dump -a /status "$report.tmp" | grep -q incomplete || { echo "FAIL: status not 'incomplete'"; fail=1; }
cat listing.txt | grep -c "/samples " | sed 's/^/runs kept: /'
[ $fail -eq 0 ] && echo PASS
exit $fail
