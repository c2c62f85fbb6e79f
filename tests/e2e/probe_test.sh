#!/bin/bash
# usage: probe_test.sh PARLAB MPIRUN WORKDIR
# `parlab probe` end to end on 2 ranks: a fresh measurement with an unwritable --dir
# (storage unavailable with the reason, the rest measured), then the same ceilings read
# back from the cache it wrote (for the same --dir: another one has its storage measured
# again), then the table. Prints PASS or FAIL: why.
set -u
parlab=$1 mpirun=$2 work=$3
cache=$work/probe-cache.json
rm -f "$cache"
fail() { echo "FAIL: $*"; exit 1; }
"$mpirun" -n 2 "$parlab" probe --json --force --cache "$cache" --dir /nonexistent/parlab \
  --roofline "$work/roofline.json" > "$work/probe-fresh.json" || fail "fresh probe exit $?"
"$mpirun" -n 2 "$parlab" probe --json --cache "$cache" --dir /nonexistent/parlab \
  > "$work/probe-cached.json" \
  || fail "cached probe exit $?"
"$mpirun" -n 1 "$parlab" probe --cache "$cache" > "$work/probe-table.txt" \
  || fail "table exit $?"
/usr/bin/python3 - "$work" <<'PY' || exit 1
import json, sys
work = sys.argv[1]
fresh = json.load(open(f"{work}/probe-fresh.json"))
cached = json.load(open(f"{work}/probe-cached.json"))
roof = json.load(open(f"{work}/roofline.json"))
table = open(f"{work}/probe-table.txt").read()
def check(ok, why):
    if not ok:
        print("FAIL:", why); sys.exit(1)
check(not fresh["source"]["from_cache"] and cached["source"]["from_cache"], "cache not used")
for doc in (fresh, cached):
    doc.pop("source")
check(fresh == cached, "the cached ceilings differ from the measured ones")
storage = fresh["storage"]["fsync"]
check(not storage["available"] and "/nonexistent/parlab" in storage["reason"], storage)
check(fresh["launch"]["world_size"] == 2, fresh["launch"])
thread = fresh["scopes"][0]
check(thread["scope"] == "thread" and thread["scalar_fp64"]["available"], thread["scalar_fp64"])
node = fresh["scopes"][2]
check(node["scope"] == "node" and node["workers"] == 2 and node["peak_fp64"]["available"]
      == thread["peak_fp64"]["available"], node["peak_fp64"])
same = fresh["mpi"][0]
check(same["link"] == "same_node" and same["latency"]["available"], same)
check(fresh["mpi"][1]["bandwidth"]["reason"] != "", fresh["mpi"][1])
check(roof["empirical"]["gflops"]["data"] and roof["empirical"]["gbytes"]["data"], roof)
check("from the cache" in table and "peak FP64" in table and "triad L1" in table, table)
print("PASS")
PY
