#!/bin/bash
# usage: plan_test.sh PARLAB SOURCE_DIR
# parlab plan on two synthetic machines, for every placement of tests/e2e/plan.toml, one
# through HWLOC_SYNTHETIC and one through --topology; check_plan.py checks each plan. The
# config has plans the small machine cannot hold: plan prints them all, then exits 2.
set -u
parlab=$1 src=$2
config=$src/tests/e2e/plan.toml
check=$src/tests/e2e/check_plan.py
# 4 ranks x 3 threads lists (hybrid: 2, 4, 8 ranks x 2, 4 threads), 13 placements incl. smt
plans=$(( (1 + 3 + 2 + 6) * 13 ))
fail=0
out=$(HWLOC_SYNTHETIC="pack:2 numa:2 core:8 pu:2" "$parlab" plan "$config" --json)
rc=$?
echo "big machine: exit $rc"
[ "$rc" -eq 2 ] || { echo "FAIL: expected exit 2 (l3 cannot be satisfied)"; fail=1; }
echo "$out" | /usr/bin/python3 "$check" "$plans" || fail=1
out=$(env -u HWLOC_SYNTHETIC "$parlab" plan "$config" --json --topology "pack:1 numa:1 core:2 pu:1")
rc=$?
echo "small machine: exit $rc"
[ "$rc" -eq 2 ] || { echo "FAIL: expected exit 2"; fail=1; }
echo "$out" | /usr/bin/python3 "$check" "$plans" || fail=1
text=$(HWLOC_SYNTHETIC="pack:2 numa:2 core:8 pu:2" "$parlab" plan "$config" 2>&1)
echo "$text" | grep -q "^node 0: .*2 packages, 4 NUMA domains" || { echo "FAIL: text heading"; fail=1; }
echo "$text" | grep -q "rank 1: numa 1, CPUs" || { echo "FAIL: text names no NUMA domain"; fail=1; }
[ "$(echo "$text" | grep -c '^parlab: error:')" -eq 1 ] || { echo "FAIL: not one error line"; fail=1; }
exit $fail
