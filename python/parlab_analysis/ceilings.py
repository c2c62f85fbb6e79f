"""Each run against the machine's ceilings (docs/report.md, /environment/ceilings): its
GFLOP/s and GB/s (roofline_flops and roofline_bytes per repetition over the median cell
time), its arithmetic intensity, and what fraction of the relevant roof it reaches. The
relevant roof is the ceiling parlab measured for the run's scope (1 worker per node: one
thread; one rank per node: that rank's threads; else all ranks of a node) times the run's
node count; reports whose ceilings carry no scopes use the machine's roofs."""
import math

SCOPE_RULE = ("thread: 1 worker per node; rank: 1 rank per node with threads; "
              "node: several ranks per node")


def scope_of(ranks, threads, nodes):
    per_node = -(-int(ranks) // int(nodes))
    if per_node * int(threads) == 1:
        return "thread"
    return "rank" if per_node == 1 else "node"


def _roof(ceilings, scope, family, names):
    """(value, scope used) of the first of `names` in the scope, else in the machine's roofs."""
    for where in (scope, ""):
        rows = ceilings[(ceilings.scope == where) & (ceilings.family == family)]
        for name in names:
            value = rows[rows.name == name].value
            if len(value):
                return float(value.iloc[0]), where or "machine"
    return math.nan, ""


def _ratio(value, roof):
    return 100.0 * value / roof if math.isfinite(value) and roof > 0 else math.nan


LEVELS = ("L1", "L2", "L3", "L4")


def memory_roof(ceilings, scope, working_set_per_node):
    """(level, GB/s) of the innermost cache level of `scope` that holds the working set
    (the run's arrays on one node, against each level's capacity for the scope's workers,
    allowing half the capacity past it, as the probe names its plateaus), else DRAM's;
    (DRAM, NaN) without such roofs."""
    if math.isfinite(working_set_per_node) and "capacity" in ceilings.columns:
        rows = ceilings[(ceilings.scope == scope) & (ceilings.family == "bandwidth")]
        for level in LEVELS:
            row = rows[rows.name == level]
            if len(row) and working_set_per_node <= 1.5 * float(row.capacity.iloc[0]):
                return level, float(row.value.iloc[0])
    dram, _ = _roof(ceilings, scope, "bandwidth", ("DRAM",))
    return "DRAM", dram


def of_run(run, ceilings):
    """{gflops, gbytes, intensity, scope, peak_gflops, dram_gbs, pct_peak, pct_dram,
    mem_level, mem_gbs, pct_mem} for one row of reports.runs; NaN where the run or the
    report lacks the figure. pct_mem is against the bandwidth of the level the run's working
    set fits in (roofline_working_set; DRAM when the kernel does not say)."""
    seconds = run.median_s if run.median_s > 0 else math.nan
    flops = run.roofline_flops if run.roofline_flops > 0 else math.nan
    moved = run.roofline_bytes if run.roofline_bytes > 0 else math.nan
    gflops, gbytes = flops / seconds / 1e9, moved / seconds / 1e9
    scope = scope_of(run.ranks, run.threads, run.nodes)
    peak, peak_scope, dram, level, memory = math.nan, "", math.nan, "DRAM", math.nan
    if "scope" in ceilings.columns:
        mine = ceilings[ceilings.report == run.report]
        # A CPU without an FMA unit has no FMA peak: its scalar multiply-add roof is the peak.
        peak, peak_scope = _roof(mine, scope, "compute", ("FP64_peak", "FP64", "FP64_scalar"))
        dram, _ = _roof(mine, scope, "bandwidth", ("DRAM",))
        working_set = getattr(run, "roofline_working_set", math.nan)
        level, memory = memory_roof(mine, scope, working_set / run.nodes)
    peak, dram, memory = peak * run.nodes, dram * run.nodes, memory * run.nodes
    return {"gflops": gflops, "gbytes": gbytes, "intensity": flops / moved,
            "scope": peak_scope, "peak_gflops": peak, "dram_gbs": dram,
            "pct_peak": _ratio(gflops, peak), "pct_dram": _ratio(gbytes, dram),
            "mem_level": level, "mem_gbs": memory, "pct_mem": _ratio(gbytes, memory)}


def table(reports):
    """reports.runs with the of_run figures as columns (same index)."""
    import pandas as pd

    runs = reports.runs
    figures = [of_run(run, reports.ceilings) for run in runs.itertuples()]
    columns = ["gflops", "gbytes", "intensity", "scope", "peak_gflops", "dram_gbs",
               "pct_peak", "pct_dram", "mem_level", "mem_gbs", "pct_mem"]
    return pd.concat([runs, pd.DataFrame(figures, index=runs.index, columns=columns)], axis=1)
