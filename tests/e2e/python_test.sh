#!/bin/bash
# The python kernel end to end, with the real binary on 2 ranks:
#  - every task and model verifies (exit 0), each rank's interpreter is finalised at exit
#    (an atexit handler of the user's module writes a file per process);
#  - a user task that never returns is abandoned by the watchdog, the next run is measured,
#    the job ends (exit 1) without finalising the interpreter under the thread left inside.
# usage: python_test.sh PARLAB MPIRUN... (work dir: the current directory)
set -u
parlab=$1
shift
here=$(dirname "$(realpath "$0")")
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
attr() { h5dump -a "$2" "$1" | sed -n 's/^ *(0): //p'; }
export PARLAB_TEST_ATEXIT_MARKER=$PWD/python-atexit
rm -f "$PARLAB_TEST_ATEXIT_MARKER".*

sed "s|MODULE|$here/python_tasks.py|" "$here/python.toml" > python.toml
report=$PWD/python.h5
rm -f "$report"
timeout 600 "$@" -n 2 "$parlab" run python.toml -o "$report" -q > python.out 2>&1
rc=$?
cat python.out
check "every python run verified (exit 0)" "[ $rc -eq 0 ]"
check "all 35 runs are in the report" "[ \$(h5ls $report/runs | wc -l) -eq 35 ]"
check "the gil model was left out of the default-less runs" "! grep -q ' gil ' python.out"
check "both ranks' interpreters were finalised at exit" \
      "[ \$(ls $PARLAB_TEST_ATEXIT_MARKER.* 2>/dev/null | wc -l) -eq 2 ]"
rm -f "$PARLAB_TEST_ATEXIT_MARKER".*

sed "s|MODULE|$here/python_tasks.py|" "$here/python-hang.toml" > python-hang.toml
report=$PWD/python-hang.h5
rm -f "$report"
timeout 120 "$@" -n 2 "$parlab" run python-hang.toml -o "$report" -q > hang.out 2>&1
rc=$?
cat hang.out
check "the job ended with exit 1 (a run timed out), not killed" "[ $rc -eq 1 ]"
check "the spinning task's run is marked timeout, its thread left behind" \
      "[ \"\$(attr $report /runs/run-0001/status)\" = '\"timeout\"' ] && \
       attr $report /runs/run-0001/message | grep -q 'rank 0 was in repetition 1 (its thread is left behind)'"
check "the next run was measured, ok" "[ \"\$(attr $report /runs/run-0002/status)\" = '\"ok\"' ]"
check "no interpreter was finalised (with a thread left behind every rank ends by _Exit)" \
      "[ \$(ls $PARLAB_TEST_ATEXIT_MARKER.* 2>/dev/null | wc -l) -eq 0 ]"
rm -f "$PARLAB_TEST_ATEXIT_MARKER".*
[ $fail -eq 0 ] && echo PASS || echo FAIL
