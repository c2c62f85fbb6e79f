#!/bin/bash
# usage: ceilings_run_test.sh PARLAB MPIRUN WORKDIR SOURCE_DIR
# /environment/ceilings in a report of `parlab run`: from the per-host cache (ctest points
# PARLAB_CEILINGS_CACHE at the build tree's), recorded as cached with its age and the same
# ceilings the cache holds; runs of kernels that count flops and bytes carry
# roofline_flops / roofline_bytes; summary shows % of peak and of DRAM bandwidth. With
# probe = false: recorded as disabled with the reason, the analysis
# still works. Prints PASS or FAIL: why.
set -u
parlab=$1 mpirun=$2 work=$3 source=$4
fail() { echo "FAIL: $*"; exit 1; }
[ -n "${PARLAB_CEILINGS_CACHE:-}" ] && [ -f "$PARLAB_CEILINGS_CACHE" ] \
  || fail "no ceilings cache (PARLAB_CEILINGS_CACHE=${PARLAB_CEILINGS_CACHE:-})"
mkdir -p "$work"
cat > "$work/roof.toml" <<'EOF'
[experiment]
repetitions = 2
warmups = 0
[[run]]
kernel = "dgemm"
models = ["serial", "processes"]
size = 64
ranks = [1, 2]
[[run]]
kernel = "triad"
models = ["serial", "processes"]
size = 20000
ranks = [1, 2]
[[run]]
kernel = "counter"
models = ["serial"]
size = 1000
EOF
{ echo "probe = false"; cat "$work/roof.toml"; } > "$work/off.toml"
rm -f "$work/roof.h5" "$work/off.h5"
"$mpirun" -n 2 "$parlab" run "$work/roof.toml" -o "$work/roof.h5" -q > "$work/roof.out" 2>&1 \
  || fail "run exit $?: $(cat "$work/roof.out")"
grep -q "warning" "$work/roof.out" && fail "warnings with a valid cache: $(cat "$work/roof.out")"
"$mpirun" -n 2 "$parlab" run "$work/off.toml" -o "$work/off.h5" -q > "$work/off.out" 2>&1 \
  || fail "probe = false run exit $?: $(cat "$work/off.out")"
# One Python process for every check (the analysis's imports take seconds): the reports, and
# summary as parlab-analyze prints it (the roofline plot is tested in test_ceilings.py).
PYTHONPATH=$source/python /usr/bin/python3 - "$work" "$PARLAB_CEILINGS_CACHE" <<'PY' || exit 1
import json, sys
import h5py
from parlab_analysis import load, summary
work, cache = sys.argv[1], sys.argv[2]
def t(value):
    return value.decode() if isinstance(value, bytes) else str(value)
def check(ok, why):
    if not ok:
        print("FAIL:", why); sys.exit(1)
with h5py.File(f"{work}/roof.h5") as f:
    c = f["environment/ceilings"]
    check(t(c.attrs["status"]) == "cached", dict(c.attrs))
    check(c.attrs["age_s"] >= 0 and t(c.attrs["cache_path"]) == cache, dict(c.attrs))
    document = json.loads(c["document"][()])
    check(document == json.load(open(cache)), "the report's ceilings differ from the cache's")
    check("FP64_scalar" in c["compute"], list(c["compute"]))
    # A roof is there, or every scope says why it is not (a shared machine may hide it).
    unavailable = [t(u) for u in c.attrs["unavailable"]]
    check("bandwidth" in c and "DRAM" in c["bandwidth"] or
          sum("/triad/DRAM/" in u for u in unavailable) == len(document["scopes"]) - sum(
              s["workers"] == 0 for s in document["scopes"]), unavailable)
    missing = []
    c.visititems(lambda n, o: missing.append(n) if isinstance(o, h5py.Dataset) and
                 not {"units", "description"} <= set(o.attrs) else None)
    check(not missing, f"datasets without units/description: {missing}")
    thread = document["scopes"][0]
    check(c["probe/scope/thread/scalar_fp64"][()] == thread["scalar_fp64"]["value"], "thread")
    runs = {t(r.attrs["kernel"]) + "/" + t(r.attrs["model"]) + "/" + str(r.attrs["ranks"]): r
            for r in f["runs"].values()}
    dgemm = runs["dgemm/serial/1"]
    check(dgemm.attrs["roofline_flops"] == 2 * 64 ** 3, dict(dgemm.attrs))
    check(dgemm.attrs["roofline_bytes"] == 3 * 8 * 64 ** 2, dict(dgemm.attrs))
    triad = runs["triad/processes/2"]
    check(triad.attrs["roofline_bytes"] == 24 * triad.attrs["roofline_flops"] / 2, dict(triad.attrs))
    check("roofline_flops" not in runs["counter/serial/1"].attrs, "counter counts flops")
with h5py.File(f"{work}/off.h5") as f:
    c = f["environment/ceilings"]
    check(t(c.attrs["status"]) == "disabled" and "probe = false" in t(c.attrs["reason"]),
          dict(c.attrs))
    check(len(c) == 0, list(c))
reports = load(f"{work}/roof.h5")
text = summary.render(reports.runs, "terminal", reports.ceilings)
check("% of peak" in text and "% of memory bw" in text, text)
dgemm_line = next(l for l in text.splitlines() if l.startswith("dgemm"))
check("%" in dgemm_line, dgemm_line)
counter_line = next(l for l in text.splitlines() if l.startswith("counter"))
check("%" not in counter_line, counter_line)
off = load(f"{work}/off.h5")
check(len(off.ceilings) == 0, off.ceilings)
off_text = summary.render(off.runs, "terminal", off.ceilings)
check("%" not in "".join(off_text.splitlines()[2:]), off_text)
print("PASS")
PY
