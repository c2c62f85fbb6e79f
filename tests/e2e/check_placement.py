"""Reads the report of tests/e2e/placement.toml (placement = ["compact", "none"] on 2 ranks)
and checks that under compact every worker of a run was bound to a CPU of its own, under
none every worker could run on all its rank's CPUs, the topology is recorded, and the
summary names the best placement. With "omp-binds" (OMP_PROC_BIND was set, so OpenMP binds
the threads of unbound runs itself) the none runs are not checked.
usage: check_placement.py REPORT PYTHON_DIR [omp-binds]"""
import json
import sys

import h5py


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def cpus(listing):
    out = set()
    for part in text(listing).split(","):
        first, _, last = part.partition("-")
        out.update(range(int(first), int(last or first) + 1))
    return out


def main(report, python_dir, mode=""):
    failures = []
    with h5py.File(report, "r") as f:
        env = f["environment"]
        topology = [json.loads(text(t)) for t in env["topology"][()]]
        assert len(topology) == 1, f"one node expected, got {len(topology)}"
        assert "description" in env["topology"].attrs
        pus = {pu for core in topology[0]["cores"] for pu in core["pus"]}
        rank_cpus = [cpus(c) for c in env["rank_cpus"][()]]
        seen = {"compact": 0, "none": 0}
        for run_id, run in f["runs"].items():
            placement = text(run.attrs["placement"])
            seen[placement] += 1
            sets = [[cpus(c) for c in row] for row in run["cpu_sets"][()]]
            workers = [(r, t, s) for r, row in enumerate(sets) for t, s in enumerate(row)]
            stored = run.attrs["warnings"]
            warnings = [] if isinstance(stored, h5py.Empty) else [text(w) for w in stored]
            where = f"{run_id} ({text(run.attrs['model'])} {len(sets)}x{len(sets[0])}, {placement})"
            if text(run.attrs["status"]) != "ok":
                failures.append(f"{where}: status {text(run.attrs['status'])}")
            if placement == "compact":
                used = [min(s) for _, _, s in workers]
                if any(len(s) != 1 for _, _, s in workers):
                    failures.append(f"{where}: not every thread bound to one CPU: {sets}")
                elif len(set(used)) != len(used):
                    failures.append(f"{where}: two threads bound to one CPU: {sets}")
                elif not set(used) <= pus:
                    failures.append(f"{where}: CPUs {used} not in the topology's {sorted(pus)}")
                if any(w.startswith("placement:") for w in warnings):
                    failures.append(f"{where}: the binding was not verified: {warnings}")
                if run.attrs["oversubscribed"] != 0:
                    failures.append(f"{where}: marked oversubscribed")
            elif mode != "omp-binds":
                for r, t, s in workers:
                    if s != rank_cpus[r]:
                        failures.append(f"{where}: rank {r} thread {t} confined to {sorted(s)}, "
                                        f"its rank may use {sorted(rank_cpus[r])}")
            if "placement_doc" not in run.attrs:
                failures.append(f"{where}: no placement_doc attribute")
        if seen != {"compact": 3, "none": 3}:
            failures.append(f"expected 3 runs per placement, got {seen}")
    sys.path.insert(0, python_dir)
    from parlab_analysis import report as loader, summary
    table = summary.render(loader.load(report).runs)
    if "best placement for montecarlo" not in table or " compact" not in table:
        failures.append("the summary names no best placement:\n" + table)
    for failure in failures:
        print("FAIL:", failure)
    if not failures:
        print(f"PASS: {sum(seen.values())} runs; compact bound one CPU per worker, none unbound")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
