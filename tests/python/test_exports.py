"""`export`: every format read back by its own rules (docs/exports.md) and compared with
the report's numbers: CSV through pandas, JSON, Caliper json-split (what Hatchet/Thicket
read), Extra-P JSON Lines, ERT-style roofline JSON. Issue 21, point 4."""
import glob
import json
import math
import numbers
import os

import h5py
import numpy as np
import pandas as pd
import pytest

from parlab_analysis import load
from helpers import analyze, bad
from synthetic import write_report

REPORT = os.environ.get("PARLAB_TINY_REPORT", "")
needs_report = pytest.mark.skipif(not os.path.exists(REPORT), reason="PARLAB_TINY_REPORT not set")


def scaling(tmp_path):
    """A small experiment: serial, threads 1x2 and 1x4, processes 2x1, on two sizes, with
    phases; plus a timed-out run with no repetitions."""
    runs = []
    for size in (100, 200):
        for model, ranks, threads in (("serial", 1, 1), ("threads", 1, 2), ("threads", 1, 4),
                                      ("processes", 2, 1)):
            base = size / 100 / (ranks * threads)
            runs.append(dict(kernel="stencil", params="halo=1", size=size, model=model,
                             ranks=ranks, threads=threads,
                             cell_times=[base, base * 1.1, base * 0.95],
                             phases={"compute": 0.7, "comm": 0.2, "lock_wait": 0.1}))
    runs.append(dict(kernel="stencil", params="halo=1", size=300, model="threads", ranks=1,
                     threads=2, cell_times=[], status="timeout"))
    path = tmp_path / "scaling.h5"
    write_report(path, runs, root={"status": "complete", "created_utc": "2026-01-01T00:00:00Z",
                                   "git_sha": "abc"})
    return str(path)


def reports_under_test(tmp_path):
    return [scaling(tmp_path)] + ([REPORT] if os.path.exists(REPORT) else [])


def samples_of(path):
    with h5py.File(path, "r") as handle:
        return {name: group["samples"][()] for name, group in handle["runs"].items()}


def test_csv_loads_with_pandas_to_the_reports_numbers(tmp_path):
    for path in reports_under_test(tmp_path):
        out = tmp_path / f"csv-{os.path.basename(path)}"
        assert analyze("export", "csv", path, "-o", out).returncode == 0
        # Python's shortest repr is written; pandas reads it back exactly with round_trip
        # (its default fast parser may differ in the last bit).
        tables = {name: pd.read_csv(out / f"{name}.csv", float_precision="round_trip")
                  for name in ("reports", "runs", "repetitions", "phases", "results",
                               "environment")}
        fast = pd.read_csv(out / "phases.csv")
        assert np.allclose(fast.seconds, tables["phases"].seconds, rtol=1e-12, atol=0)
        raw = samples_of(path)
        assert sorted(tables["runs"].run) == sorted(raw)
        for run, samples in raw.items():
            phases = tables["phases"][tables["phases"].run == run]
            columns = list(h5py.File(path, "r")[f"runs/{run}/samples"].attrs["columns"])
            rebuilt = np.zeros(samples.shape)
            for row in phases.itertuples():
                rebuilt[row.repetition, row.rank, columns.index(row.phase)] = row.seconds
            assert len(phases) == samples.size and np.array_equal(rebuilt, samples)  # bit exact
            cells = tables["repetitions"][tables["repetitions"].run == run].cell_time_s
            assert np.array_equal(cells.to_numpy(), samples[:, :, 0].max(axis=1))
            median = tables["runs"][tables["runs"].run == run].median_s.iloc[0]
            if len(samples):
                assert median == np.median(samples[:, :, 0].max(axis=1))
            else:
                assert math.isnan(median)
        assert tables["reports"].report.tolist() == [path]


def test_json_holds_the_same_tables(tmp_path):
    path = scaling(tmp_path)
    out = tmp_path / "all.json"
    assert analyze("export", "json", path, "-o", out).returncode == 0
    document = json.loads(out.read_text())  # strict JSON: no NaN
    reports = load(path)
    assert document["format"] == "parlab-tables" and document["version"] == 1
    assert len(document["phases"]) == len(reports.phases)
    assert [r["median_s"] for r in document["runs"]][:8] == list(reports.runs.median_s[:8])
    assert document["runs"][-1]["median_s"] is None  # the run without repetitions
    assert [r["cell_time_s"] for r in document["repetitions"]] == list(reports.repetitions.cell_time_s)


def check_json_split(document):
    """Caliper's json-split rules, as Hatchet's CaliperReader applies them."""
    for key in ("data", "columns", "column_metadata", "nodes"):
        assert key in document, key
    columns, meta, nodes = document["columns"], document["column_metadata"], document["nodes"]
    assert len(columns) == len(meta) and all(isinstance(m["is_value"], bool) for m in meta)
    assert "path" in columns and not meta[columns.index("path")]["is_value"]
    assert meta[columns.index("mpi.rank")]["is_value"]  # a number, not a node reference
    for index, node in enumerate(nodes):
        assert isinstance(node["label"], str) and node["label"] and node["column"] == "path"
        if "parent" in node:  # parents come first: the reader looks them up as it goes
            assert isinstance(node["parent"], int) and 0 <= node["parent"] < index
    assert any("parent" not in node for node in nodes)
    for row in document["data"]:
        assert len(row) == len(columns)
        for value, column, m in zip(row, columns, meta):
            if column == "path":
                assert isinstance(value, int) and 0 <= value < len(nodes)
            else:
                assert m["is_value"] and isinstance(value, numbers.Real)
    for key, value in document.items():
        if key not in ("data", "columns", "column_metadata", "nodes"):
            assert isinstance(value, str), key  # run metadata, as Caliper writes globals


def test_hatchet_profiles_follow_json_split_and_hold_the_median_repetition(tmp_path):
    for path in reports_under_test(tmp_path):
        out = tmp_path / f"hatchet-{os.path.basename(path)}"
        result = analyze("export", "hatchet", path, "-o", out)
        assert result.returncode == 0, result.stderr
        reports = load(path)
        measured = reports.runs[reports.runs.repetitions > 0]
        written = sorted(glob.glob(str(out / "*.json")))
        assert len(written) == len(measured)
        for run in measured.itertuples():
            name = f"{os.path.splitext(os.path.basename(path))[0]}-{run.run}.json"
            document = json.loads((out / name).read_text())
            check_json_split(document)
            samples = reports.samples(run)
            repetition = int(document["parlab.repetition"])
            cells = samples[:, :, 0].max(axis=1)
            assert cells[repetition] == sorted(cells)[(len(cells) - 1) // 2]
            columns = document["columns"]
            rank_col, exc, inc = (columns.index(c) for c in
                                  ("mpi.rank", "sum#time.duration", "inclusive#sum#time.duration"))
            nodes = document["nodes"]
            assert sorted({row[rank_col] for row in document["data"]}) == list(range(run.ranks))
            for rank in range(run.ranks):
                rows = {r[0]: r for r in document["data"] if r[rank_col] == rank}
                assert rows[0][inc] == samples[repetition, rank, 0]  # the root: the repetition
                for index, node in enumerate(nodes):
                    children = [c for c, n in enumerate(nodes) if n.get("parent") == index]
                    assert rows[index][exc] + sum(rows[c][inc] for c in children) == \
                        pytest.approx(rows[index][inc], rel=1e-12, abs=1e-15)
            assert document["kernel"] == run.kernel and document["mpi.world.size"] == str(run.ranks)
            labels = [n["label"] for n in nodes]
            if "lock_wait" in labels:
                assert nodes[labels.index("lock_wait")]["parent"] == labels.index("compute")


def check_extrap_lines(text):
    """Extra-P's JSON Lines rules: one object per line with params (name: number), value
    (number or list of numbers), callpath and metric text; the same parameters in every
    line; every callpath and metric at every point. Returns the parsed lines."""
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert lines
    names = list(lines[0]["params"])
    points, cells = set(), {}
    for line in lines:
        assert set(line) == {"params", "callpath", "metric", "value"}
        assert list(line["params"]) == names
        assert all(isinstance(v, numbers.Real) and not isinstance(v, bool)
                   for v in line["params"].values())
        assert isinstance(line["callpath"], str) and line["callpath"]
        assert isinstance(line["metric"], str) and line["metric"]
        values = line["value"] if isinstance(line["value"], list) else [line["value"]]
        assert values and all(isinstance(v, numbers.Real) and math.isfinite(v) for v in values)
        point = tuple(line["params"].values())
        points.add(point)
        cells.setdefault((line["callpath"], line["metric"]), set()).add(point)
    assert all(seen == points for seen in cells.values())
    return lines


def test_extrap_lines_follow_its_format_with_one_series_per_file(tmp_path):
    path = scaling(tmp_path)
    out = tmp_path / "extrap"
    assert analyze("export", "extrap", path, "-o", out).returncode == 0
    files = sorted(os.path.basename(f) for f in glob.glob(str(out / "*.jsonl")))
    assert files == ["stencil-halo-1-processes.jsonl", "stencil-halo-1-serial.jsonl",
                     "stencil-halo-1-threads.jsonl"]
    reports = load(path)
    threads = check_extrap_lines((out / "stencil-halo-1-threads.jsonl").read_text())
    assert list(threads[0]["params"]) == ["threads", "size"]
    points = {tuple(line["params"].values()) for line in threads}
    assert points == {(1, 100), (2, 100), (4, 100), (1, 200), (2, 200), (4, 200)}  # serial = 1
    runs = reports.runs
    for line in threads:
        if line["callpath"] != "stencil[halo=1]":
            continue
        t, size = line["params"]["threads"], line["params"]["size"]
        model = "serial" if t == 1 else "threads"
        run = runs[(runs.model == model) & (runs.threads == t) & (runs["size"] == size)].iloc[0]
        assert line["value"] == list(reports.cell_times(run))
    callpaths = {line["callpath"] for line in threads}
    assert callpaths == {"stencil[halo=1]", "stencil[halo=1]->compute", "stencil[halo=1]->comm",
                         "stencil[halo=1]->lock_wait"}
    serial = check_extrap_lines((out / "stencil-halo-1-serial.jsonl").read_text())
    assert list(serial[0]["params"]) == ["size"]


@needs_report
def test_extrap_of_the_real_report(tmp_path):
    assert analyze("export", "extrap", REPORT, "-o", tmp_path / "x").returncode == 0
    written = glob.glob(str(tmp_path / "x" / "*.jsonl"))
    assert written
    for path in written:
        check_extrap_lines(open(path).read())


def with_ceilings(path, kind="empirical", dram=100.0, units="GB/s"):
    with h5py.File(path, "a") as handle:
        group = handle.require_group("environment").create_group("ceilings")
        group.attrs["kind"] = kind
        group.attrs["source"] = "synthetic ERT run"
        for family, name, value, unit in (("bandwidth", "L1", 1000.0, "GB/s"),
                                          ("bandwidth", "DRAM", dram, units),
                                          ("compute", "FP64", 500.0, "GFLOP/s")):
            dataset = group.create_dataset(f"{family}/{name}", data=value)
            dataset.attrs["units"] = unit
            dataset.attrs["description"] = f"{name} ceiling"
        run = handle["runs/run-0001"]
        run.attrs["roofline_flops"] = 2e9
        run.attrs["roofline_bytes"] = 8e9
    return str(path)


def test_roofline_is_ert_json_with_the_runs_as_points(tmp_path):
    path = with_ceilings(scaling(tmp_path))
    out = tmp_path / "roofline.json"
    assert analyze("export", "roofline", path, "-o", out).returncode == 0
    document = json.loads(out.read_text())
    empirical = document["empirical"]
    assert sorted(empirical["gbytes"]["data"]) == [["DRAM", 100.0], ["L1", 1000.0]]
    assert empirical["gflops"]["data"] == [["FP64", 500.0]]
    assert document["spec"] == {"gbytes": {"data": []}, "gflops": {"data": []}}
    (point,) = document["parlab"]["points"]
    median = load(path).runs.median_s.iloc[0]
    assert point["run"] == "run-0001" and point["arithmetic_intensity"] == 0.25
    assert point["gflops"] == pytest.approx(2.0 / median)
    assert len(document["parlab"]["skipped"]) == len(load(path).runs) - 1


def test_roofline_needs_ceilings_and_valid_ones(tmp_path):
    plain = scaling(tmp_path)
    bad(analyze("export", "roofline", plain, "-o", tmp_path / "r.json"),
        "has no roofline ceilings under /environment/ceilings")
    assert not (tmp_path / "r.json").exists()
    wrong = tmp_path / "wrong.h5"
    write_report(wrong, [dict(kernel="triad", size=1, model="serial", ranks=1, threads=1,
                              cell_times=[1.0])])
    with_ceilings(wrong, units="MB/s")
    bad(analyze("summary", wrong), "environment/ceilings/bandwidth/DRAM: units are 'MB/s'")
    one = tmp_path / "one.h5"
    write_report(one, [dict(kernel="triad", size=1, model="serial", ranks=1, threads=1,
                            cell_times=[1.0])])
    other = tmp_path / "other.h5"
    write_report(other, [dict(kernel="triad", size=2, model="serial", ranks=1, threads=1,
                              cell_times=[2.0])])
    with_ceilings(one)
    with_ceilings(other, dram=50.0)
    bad(analyze("export", "roofline", one, other, "-o", tmp_path / "r.json"),
        "the reports' roofline ceilings differ")


def test_directory_formats_refuse_a_file_and_file_formats_a_directory(tmp_path):
    path = scaling(tmp_path)
    (tmp_path / "taken").write_text("x")
    bad(analyze("export", "csv", path, "-o", tmp_path / "taken"), "is not a directory")
    bad(analyze("export", "json", path, "-o", tmp_path), "is a directory")
