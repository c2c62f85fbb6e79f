#!/bin/bash
# Two emulated nodes (network namespaces): the tiny stencil and io runs must give bitwise
# the same results as on one node, the report must list 2 distinct nodes, pingpong must
# record a positive inter-node latency, and down must leave no namespace.
# usage: multinode_test.sh SOURCE_DIR PARLAB MPIRUN...
set -u
source_dir=$1
parlab=$2
shift 2
tool=$source_dir/tools/cluster/netns-cluster.sh
config=$source_dir/tests/cluster/multinode-tiny.toml
export PARLAB_NETNS_PREFIX=pltest$$
work=$(mktemp -d)
cleanup() { "$tool" down >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
if ! reason=$("$tool" up 2 2>&1); then
  if [ "${CI:-}" = true ]; then echo "FAIL: network namespaces are not available: $reason"; exit 1; fi
  echo "SKIP: network namespaces are not available here: $reason"
  exit 77
fi
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
"$tool" mpirun --host node1:2,node2:2 -n 4 "$parlab" run "$config" -o "$work/two.h5" -q > "$work/two.out" 2>&1
check "2-node run exits 0" "[ $? -eq 0 ]" || cat "$work/two.out"
"$@" -n 4 "$parlab" run "$config" -o "$work/one.h5" -q > "$work/one.out" 2>&1
check "1-node run exits 0" "[ $? -eq 0 ]"
check "results equal bitwise, report lists 2 nodes, inter-node latency positive" \
  "/usr/bin/python3 $source_dir/tests/cluster/check_multinode.py $work/two.h5 $work/one.h5"
"$tool" down
check "down leaves no namespace and no state" \
  "! ip netns list | grep -q \"^$PARLAB_NETNS_PREFIX-\" && [ ! -d /run/parlab-netns-$PARLAB_NETNS_PREFIX ]"
[ $fail -eq 0 ] && echo PASS
exit $fail
