"""parlab_analysis.load(): tidy tables recomputed from the raw samples, as documented in
docs/python-api.md, on a synthetic report and on the real tiny report. Issue 21, point 3."""
import os

import h5py
import numpy as np
import pandas as pd
import pytest

import parlab_analysis
from parlab_analysis import AnalysisError, Reports, load
from synthetic import one_run, write_report

REPORT = os.environ.get("PARLAB_TINY_REPORT", "")
needs_report = pytest.mark.skipif(not os.path.exists(REPORT), reason="PARLAB_TINY_REPORT not set")

DOCUMENTED = {
    "runs": {"report", "run", "kernel", "label", "model", "ranks", "threads", "nodes", "workers",
             "size", "params", "status", "source_status", "repetitions", "min_s", "median_s",
             "max_s", "rate", "rate_unit", "speedup", "efficiency", "karp_flatt", "identity"},
    "repetitions": {"report", "run", "repetition", "cell_time_s"},
    "phases": {"report", "run", "repetition", "rank", "phase", "seconds"},
    "results": {"report", "run", "name", "value"},
    "environment": {"report", "key", "value"},
    "status": {"report", "status", "experiment", "created_utc", "git_sha", "runs", "identity"},
}


def two_reports(tmp_path):
    a = tmp_path / "a.h5"
    write_report(a, [dict(kernel="triad", size=8, model="serial", ranks=1, threads=1,
                          cell_times=[4.0, 3.0, 5.0]),
                     dict(kernel="triad", size=8, model="processes", ranks=2, threads=1,
                          cell_times=[2.0, 2.5, 1.5], phases={"compute": 0.5, "comm": 0.25},
                          results={"checksum": 7.0})],
                 root={"status": "complete", "created_utc": "2026-01-01T00:00:00Z"})
    b = one_run(tmp_path / "b.h5", times=[1.0, 2.0], kernel="dgemm",
                root={"status": "partial: interrupted by SIGINT after 1 of 2 runs"})
    return str(a), b


def test_load_returns_the_documented_tables(tmp_path):
    a, b = two_reports(tmp_path)
    reports = load([a, b])
    assert isinstance(reports, Reports) and parlab_analysis.load is load
    for table, columns in DOCUMENTED.items():
        frame = getattr(reports, table)
        assert isinstance(frame, pd.DataFrame) and columns <= set(frame.columns), table
    runs = reports.runs
    assert list(zip(runs.report, runs.run)) == [(a, "run-0001"), (a, "run-0002"), (b, "run-0001")]
    processes = runs.iloc[1]
    assert (processes.median_s, processes.min_s, processes.max_s) == (2.0, 1.5, 2.5)
    assert processes.speedup == 4.0 / 2.0 and processes.efficiency == 1.0
    assert runs.iloc[2].speedup == 1.0  # b is compared with its own serial baseline
    assert list(reports.repetitions[reports.repetitions.report == b].cell_time_s) == [1.0, 2.0]
    phases = reports.phases
    assert len(phases) == 3 * 1 * 9 + 3 * 2 * 9 + 2 * 9  # every sample, one row each
    comm = phases[(phases.run == "run-0002") & (phases.phase == "comm") & (phases.report == a)]
    assert list(comm.seconds) == [0.5, 0.5, 0.625, 0.625, 0.375, 0.375]
    assert list(comm["rank"]) == [0, 1, 0, 1, 0, 1]
    assert reports.results.to_dict("records") == [
        {"report": a, "run": "run-0002", "name": "checksum", "value": 7.0}]
    assert list(reports.status.status) == ["complete",
                                           "partial: interrupted by SIGINT after 1 of 2 runs"]
    assert list(runs.source_status) == ["complete", "complete",
                                        "partial: interrupted by SIGINT after 1 of 2 runs"]


def test_samples_select_and_identity(tmp_path):
    a, b = two_reports(tmp_path)
    reports = load([a, b])
    run = reports.runs.iloc[1]
    with h5py.File(a, "r") as handle:
        assert np.array_equal(reports.samples(run), handle["runs/run-0002/samples"][()])
    assert list(reports.cell_times(run)) == [2.0, 2.5, 1.5]
    only = reports.select(reports.runs.model == "processes")
    assert len(only.runs) == 1 and set(only.phases.run) == {"run-0002"}
    assert set(only.status.report) == {a}
    again = load(a)
    assert again.status.identity.iloc[0] == reports.status.identity.iloc[0]  # stable
    assert len(set(reports.runs.identity)) == 3
    with pytest.raises(AnalysisError, match="no report given"):
        load([])


@needs_report
def test_the_real_report_recomputed_from_its_samples(tmp_path):
    reports = load(REPORT)
    with h5py.File(REPORT, "r") as handle:
        assert len(reports.runs) == len(handle["runs"])
        for run in reports.runs.itertuples():
            group = handle["runs"][run.run]
            samples = group["samples"][()]
            cells = samples[:, :, 0].max(axis=1)
            assert np.array_equal(reports.cell_times(run), cells)
            assert np.array_equal(cells, group["cell_time"][()])  # the report's own column
            assert run.median_s == pytest.approx(float(group["summary"][()]["median_s"]),
                                                 rel=1e-9)
            assert run.kernel == group.attrs["kernel"] and run.ranks == group.attrs["ranks"]
        assert len(reports.phases) == sum(g["samples"].size for g in handle["runs"].values())
    assert reports.status.status.iloc[0] == "complete"
    environment = dict(zip(reports.environment.key, reports.environment.value))
    assert "cpu_model" in environment and "mpi_library_version" in environment
