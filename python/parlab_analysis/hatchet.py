"""Caliper's json-split layout, which Hatchet's CaliperReader and Thicket read: one profile
(file) per run. Top level: `data` (rows), `columns` (their names), `column_metadata` (one
{"is_value": ...} per column), `nodes` (the tree: `label`, `column` and `parent` unless a
root; parents come before their children); every other top-level key is run metadata
(text, as Caliper writes its globals). Rows hold, per node and MPI rank, the exclusive and
inclusive time of the run's median repetition. The tree: the run (its whole repetition) with
its phases below it, lock_wait below compute (a gil thread waits for the lock inside its
compute time)."""
import json
import os

from .export import slug, unique_names, write_all
from .palette import PHASES
from .reading import TOTAL
from .report import median_repetition

PATH = "path"
COLUMNS = [PATH, "mpi.rank", "sum#time.duration", "inclusive#sum#time.duration"]
COLUMN_METADATA = [{"is_value": False}, {"is_value": True},
                   {"is_value": True, "attribute.unit": "sec"},
                   {"is_value": True, "attribute.unit": "sec"}]
PARENT_PHASE = {"lock_wait": "compute"}
SECTIONS = ("data", "columns", "column_metadata", "nodes")


def _tree(columns, samples):
    """[(label, column index, parent node index or None)]: the run, then its phases that
    are not zero everywhere (children after their parents)."""
    present = [p for p in PHASES if p in columns and samples[:, :, columns.index(p)].any()]
    if "lock_wait" in present and "compute" not in present:
        present.insert(0, "compute")
    nodes = [(TOTAL, 0, None)]
    for phase in present:
        parent = PARENT_PHASE.get(phase)
        parent_index = next(i for i, n in enumerate(nodes) if n[0] == parent) if parent else 0
        nodes.append((phase, columns.index(phase), parent_index))
    return nodes


def profile(reports, run):
    """The json-split document of one runs row."""
    samples, columns = reports.samples(run), reports.columns(run)
    repetition = median_repetition(samples)
    values = samples[repetition]  # [rank][column]
    tree = _tree(columns, samples)
    nodes, data = [], []
    for index, (name, column, parent) in enumerate(tree):
        node = {"label": run.label if index == 0 else name, "column": PATH}
        if parent is not None:
            node["parent"] = parent
        nodes.append(node)
        children = [c for c, (_, _, p) in enumerate(tree) if p == index]
        for rank in range(values.shape[0]):
            inclusive = float(values[rank, column])
            exclusive = inclusive - sum(float(values[rank, tree[c][1]]) for c in children)
            data.append([index, rank, exclusive, inclusive])
    document = {"data": data, "columns": COLUMNS, "column_metadata": COLUMN_METADATA,
                "nodes": nodes}
    document.update(metadata(reports, run, repetition))
    return document


def metadata(reports, run, repetition):
    """Run metadata as Caliper globals: text values."""
    status = reports.status[reports.status.report == run.report].iloc[0]
    meta = {"parlab.report": run.report, "parlab.run": run.run, "parlab.identity": run.identity,
            "parlab.repetition": repetition, "parlab.repetitions": run.repetitions}
    for key in ("experiment", "kernel", "label", "model", "ranks", "threads", "size", "params",
                "status", "source_status"):
        meta[key] = getattr(run, key)
    meta["node_count"] = run.nodes  # "nodes" is json-split's tree
    for key in ("created_utc", "git_sha", "parlab_version"):
        meta[key] = status[key]
    meta["mpi.world.size"] = run.ranks
    environment = reports.environment[reports.environment.report == run.report]
    meta.update({f"environment.{k}": v for k, v in zip(environment.key, environment.value)})
    assert not set(meta) & set(SECTIONS)
    return {k: str(v) for k, v in meta.items()}


def write(reports, out, inputs):
    """One file per run with repetitions: <report name>-<run>.json."""
    runs = reports.runs[reports.runs.repetitions > 0]
    names = unique_names([f"{slug(os.path.splitext(os.path.basename(r.report))[0])}-{r.run}.json"
                          for r in runs.itertuples()])
    return write_all(out, {name: (lambda r=run: json.dumps(profile(reports, r),
                                                           allow_nan=False) + "\n")
                           for run, name in zip(runs.itertuples(), names)}, inputs)
