"""parlab-analyze on a real report (PARLAB_TINY_REPORT, written by the e2e tiny run) and
on small synthetic ones."""
import os
import re
import struct
import subprocess

import h5py
import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ANALYZE = os.path.join(HERE, "..", "..", "python", "parlab-analyze")

from parlab_analysis.report import load_runs  # noqa: E402
from synthetic import write_report  # noqa: E402

REPORT = os.environ.get("PARLAB_TINY_REPORT", "")


def analyze(*args):
    return subprocess.run(["/usr/bin/python3", ANALYZE, *args], capture_output=True, text=True)


needs_report = pytest.mark.skipif(not os.path.exists(REPORT), reason="PARLAB_TINY_REPORT not set")


@needs_report
def test_medians_recomputed_from_raw_samples_match_the_report():
    runs = load_runs(REPORT)
    with h5py.File(REPORT, "r") as handle:
        for run in runs.itertuples():
            samples = handle["runs"][run.run]["samples"][()]
            slowest = samples[:, :, 0].max(axis=1)  # independent recomputation
            assert run.median_s == pytest.approx(np.median(slowest), rel=1e-12)
            assert run.repetitions == samples.shape[0] == 3


@needs_report
def test_summary_lists_every_run_in_every_format():
    terminal = analyze("summary", REPORT)
    assert terminal.returncode == 0, terminal.stderr
    runs = load_runs(REPORT)
    table, answer = terminal.stdout.split("\n\n", 1)
    assert len(table.splitlines()) == len(runs) + 2  # header and rule
    # Then the answer: a line per kernel group naming its fastest model and speedup.
    lines = answer.splitlines()
    assert lines[0].startswith("The answer: fastest model per kernel group")
    for label in runs.label.unique():
        line = next(x for x in lines if x.startswith(f"  {label}: "))
        assert re.search(r": (serial|threads|processes|hybrid|gil|async) \d+\.\d\dx "
                         r"\[\d+\.\d\d-\d+\.\d\d\] on \dx\d", line), line
    markdown = analyze("summary", "--markdown", REPORT).stdout.splitlines()
    assert markdown[0].startswith("| kernel |") and len(markdown) == len(runs) + 2
    csv_lines = analyze("summary", "--csv", REPORT).stdout.strip().splitlines()
    assert len(csv_lines) == len(runs) + 1


@needs_report
def test_serial_runs_have_speedup_one_and_others_relative_to_them():
    runs = load_runs(REPORT)
    for run in runs[runs.model == "serial"].itertuples():
        assert run.speedup == pytest.approx(1.0)
    threads = runs[(runs.model == "threads")].iloc[0]
    serial = runs[(runs.model == "serial") & (runs.label == threads.label)].iloc[0]
    assert threads.speedup == pytest.approx(serial.median_s / threads.median_s)


def test_plot_writes_valid_pngs(tmp_path):
    # The command on a small report of two groups (every plot of the tiny report is drawn
    # and inspected by test_results.py, and through `html` by the HTML tests).
    report = tmp_path / "two-groups.h5"
    write_report(report, [dict(kernel=kernel, params="", size=100, model=model, ranks=ranks,
                               threads=threads, cell_times=[t, t * 1.01, t * 0.99])
                          for kernel in ("triad", "dgemm")
                          for model, ranks, threads, t in (("serial", 1, 1, 2.0),
                                                           ("threads", 1, 2, 1.1),
                                                           ("processes", 2, 1, 1.2))])
    result = analyze("plot", str(report), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    paths = result.stdout.split()
    runs = load_runs(str(report))
    assert len(paths) >= 2 * runs.label.nunique() + 1  # time + phases per group, speedup
    for path in paths:
        with open(path, "rb") as png:
            header = png.read(24)
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", header[16:24])
        assert 300 <= width <= 2000 and 200 <= height <= 2000


def test_errors_are_one_line_and_exit_2(tmp_path):
    missing = analyze("summary", str(tmp_path / "missing.h5"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    not_hdf5 = tmp_path / "text.h5"
    not_hdf5.write_text("hello")
    result = analyze("summary", str(not_hdf5))
    assert result.returncode == 2 and "not an HDF5 file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    wrong = tmp_path / "wrong.h5"
    with h5py.File(wrong, "w") as handle:
        handle.attrs["schema_version"] = 99
    result = analyze("summary", str(wrong))
    assert result.returncode == 2 and "schema version 99" in result.stderr
    empty = tmp_path / "empty.h5"
    with h5py.File(empty, "w") as handle:
        handle.attrs["schema_version"] = 1
        handle.create_group("runs")
    result = analyze("summary", str(empty))
    assert result.returncode == 2 and "no runs" in result.stderr


def test_a_summary_that_disagrees_with_the_samples_is_an_error(tmp_path):
    path = tmp_path / "tampered.h5"
    with h5py.File(path, "w") as handle:
        handle.attrs["schema_version"] = 1
        run = handle.create_group("runs/run-0001")
        for key, value in dict(kernel="empty", label="empty size=1", model="serial", ranks=1,
                               threads=1, size=1, status="ok", rate_unit="reps/s",
                               work_amount=1.0, rate_scale=1.0).items():
            run.attrs[key] = value
        samples = run.create_dataset("samples", data=np.array([[[1.0] + [0] * 8],
                                                                [[3.0] + [0] * 8]]))
        samples.attrs["columns"] = ["total", "compute", "comm", "io", "wait", "lock_wait",
                                    "post", "test", "idle"]
        summary = np.zeros((), dtype=[("median_s", "f8")])
        summary["median_s"] = 2.5  # the samples say 2.0
        run.create_dataset("summary", data=summary)
    result = analyze("summary", str(path))
    assert result.returncode == 2
    assert "does not match the median recomputed" in result.stderr


def test_summary_names_the_best_placement_per_label():
    import pandas as pd
    from parlab_analysis import summary

    runs = pd.DataFrame({
        "label": ["k size=1"] * 4 + ["j size=1"] * 2,
        "model": ["serial", "processes", "serial", "processes", "serial", "threads"],
        "ranks": [1, 2, 1, 2, 1, 1], "threads": [1, 1, 1, 1, 1, 2],
        "shape_placement": ["compact", "compact", "none", "none", "none", "none"],
        "median_s": [4.0, 3.0, 4.0, 2.0, 1.0, 0.5],
        "status": ["ok", "ok", "ok", "ok", "ok", "ok"]})
    lines = summary.best_placements(runs)
    # Only k was measured under two placements; none's 2x1 run is the fastest of all.
    assert len(lines) == 1
    assert lines[0].startswith("best placement for k size=1: none;")
    assert lines[0].index("none 2 s") < lines[0].index("compact 3 s")
    runs.loc[3, "status"] = "failed"  # a failed run is no winner
    assert summary.best_placements(runs)[0].startswith("best placement for k size=1: compact;")
