#!/bin/bash
# extension_test.sh PARLAB_WITH_HELLO MPIRUN WORKDIR: the kernel defined only in
# hello_kernel.cc is listed, validated, run on 1 and 2 ranks and written to the report.
set -u
parlab=$1
mpirun=$2
work=$3
here=$(dirname "$(realpath "$0")")
fail=0
check() {
  if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi
}
mkdir -p "$work"
check "parlab list shows the hello kernel" "$mpirun -n 1 $parlab list | grep -q '^  hello  *a test kernel'"
check "validate accepts a config that uses it" \
      "$mpirun -n 1 $parlab validate $here/hello.toml | grep -q 'valid: 3 runs'"
check "run measures and verifies it" \
      "$mpirun -n 2 $parlab run $here/hello.toml -o $work/hello.h5 -q > $work/hello.log 2>&1"
check "the report holds its runs, verified" \
      "h5dump -a /runs/run-0003/kernel -a /runs/run-0003/status $work/hello.h5 | tr -d '\n' | grep -q '\"hello\".*\"ok\"'"
check "its result is in the report" "h5ls $work/hello.h5/runs/run-0003/results | grep -q '^sum'"
[ $fail -eq 0 ] && echo PASS || echo FAIL
