#!/bin/bash
# usage: expect_failure.sh EXPECTED_REGEX COMMAND...
# Passes when COMMAND exits non-zero within 60 s, prints a line matching EXPECTED_REGEX on
# stderr that starts with "parlab: error:", and never dumps a backtrace or a sanitizer report.
set -u
expected=$1
shift
stderr_file=$(mktemp)
trap 'rm -f "$stderr_file"' EXIT
timeout 60 "$@" >/dev/null 2>"$stderr_file"
rc=$?
cat "$stderr_file"
if [ "$rc" -eq 0 ]; then echo "FAIL: exit code 0, expected non-zero"; exit 1; fi
if [ "$rc" -eq 124 ]; then echo "FAIL: timed out (hang)"; exit 1; fi
if [ "$rc" -ge 128 ]; then echo "FAIL: killed by signal $((rc - 128)) (crash)"; exit 1; fi
if ! grep -E "^parlab: error: .*${expected}" "$stderr_file" >/dev/null; then
  echo "FAIL: no 'parlab: error:' line matching /${expected}/"; exit 1
fi
if [ "$(grep -c '^parlab: error:' "$stderr_file")" -ne 1 ]; then
  echo "FAIL: expected exactly one error line"; exit 1
fi
if grep -E "AddressSanitizer|runtime error:|Segmentation|MPI_ABORT" "$stderr_file" >/dev/null; then
  echo "FAIL: crash or abort output"; exit 1
fi
echo "PASS (exit $rc)"
