"""Runs against the machine's ceilings (issue 19): parlab's /environment/ceilings with its
per-scope roofs, % of peak and of DRAM bandwidth per run in summary, the roofline plot,
disabled ceilings. Synthetic reports with known numbers."""
import math

import h5py
import pytest

from parlab_analysis import ceilings, load
from parlab_analysis.roofline_plot import draw
from helpers import analyze
from synthetic import write_report

# (scope, workers, FP64 peak GFLOP/s, triad DRAM GB/s) as parlab run writes them.
SCOPES = (("thread", 1, 40.0, 20.0), ("rank", 2, 70.0, 24.0), ("node", 2, 80.0, 25.0))


def parlab_ceilings(path, status="cached", fma=True):
    with h5py.File(path, "a") as handle:
        group = handle.require_group("environment").create_group("ceilings")
        group.attrs["status"] = status
        group.attrs["kind"] = "empirical"
        group.attrs["description"] = "synthetic"
        if status == "disabled":
            group.attrs["reason"] = "probe = false in x.toml"
            return str(path)
        group.attrs["source"] = "parlab probe on synthetic"

        def number(where, value, units):
            dataset = group.create_dataset(where, data=value)
            dataset.attrs["units"] = units
            dataset.attrs["description"] = where

        if fma:  # a CPU without FMA has no FMA peak (the probe records it unavailable)
            number("compute/FP64_peak", 80.0, "GFLOP/s")
        number("compute/FP64_scalar", 10.0, "GFLOP/s")
        number("bandwidth/L1", 400.0, "GB/s")
        number("bandwidth/DRAM", 25.0, "GB/s")
        for scope, workers, peak, dram in SCOPES:
            if fma:
                number(f"probe/scope/{scope}/peak_fp64", peak, "GFLOP/s")
            number(f"probe/scope/{scope}/scalar_fp64", peak / 8, "GFLOP/s")
            number(f"probe/scope/{scope}/memory/triad/DRAM/bandwidth", dram, "GB/s")
            number(f"probe/scope/{scope}/memory/read/DRAM/bandwidth", 2 * dram, "GB/s")
            for level, capacity, gbs in (("L1", 48 << 10, 400.0), ("L2", 2 << 20, 100.0)):
                number(f"probe/scope/{scope}/memory/triad/{level}/bandwidth", gbs, "GB/s")
                group[f"probe/scope/{scope}/memory/triad/{level}"].attrs["capacity_bytes"] = \
                    float(capacity * workers)
            group[f"probe/scope/{scope}"].attrs["workers"] = workers
    return str(path)


def report(tmp_path, status="cached", fma=True):
    """dgemm at 1 s per repetition: 40 GFLOP and 10 GB per repetition; counter counts none."""
    roof = {"roofline_flops": 40e9, "roofline_bytes": 10e9}
    runs = [dict(kernel="dgemm", size=1, model=model, ranks=ranks, threads=threads,
                 cell_times=[1.0, 1.0, 1.0], attrs=roof)
            for model, ranks, threads in (("serial", 1, 1), ("threads", 1, 2),
                                          ("processes", 2, 1))]
    runs.append(dict(kernel="counter", size=1, model="serial", ranks=1, threads=1,
                     cell_times=[1.0]))
    path = tmp_path / f"{status}.h5"
    write_report(path, runs, root={"status": "complete"})
    return parlab_ceilings(path, status, fma)


def test_without_an_fma_peak_runs_are_compared_with_the_scalar_roof(tmp_path):
    table = ceilings.table(load(report(tmp_path, fma=False)))
    serial = table[(table.kernel == "dgemm") & (table.model == "serial")].iloc[0]
    assert serial.pct_peak == pytest.approx(100 * 40 / (40.0 / 8))  # the thread scope's scalar roof
    assert serial.scope == "thread"


def test_a_run_is_compared_with_the_bandwidth_of_the_level_its_working_set_fits_in(tmp_path):
    # 10 GB per 1 s repetition: against L2's 100 GB/s when its arrays (100 KiB) fit in L2 but
    # not in L1 (48 KiB), against DRAM's 20 GB/s when they (1 GiB) fit in no cache.
    path = tmp_path / "levels.h5"
    runs = [dict(kernel="triad", size=size, model="serial", ranks=1, threads=1,
                 cell_times=[1.0, 1.0, 1.0],
                 attrs={"roofline_flops": 1e9, "roofline_bytes": 10e9,
                        "roofline_working_set_bytes": float(working_set)})
            for size, working_set in ((1, 100 << 10), (2, 1 << 30))]
    write_report(path, runs, root={"status": "complete"})
    table = ceilings.table(load(parlab_ceilings(path)))
    small, large = table.sort_values("size").itertuples()
    assert small.mem_level == "L2" and small.pct_mem == pytest.approx(10.0)
    assert large.mem_level == "DRAM" and large.pct_mem == pytest.approx(50.0)
    assert small.pct_dram == pytest.approx(50.0)  # the DRAM figure stays beside it


def test_each_run_is_compared_with_the_ceiling_of_its_scope(tmp_path):
    reports = load(report(tmp_path))
    table = ceilings.table(reports)
    dgemm = table[table.kernel == "dgemm"].set_index("model")
    # 40 GFLOP/s and 10 GB/s against each scope's peak and DRAM roofs.
    for model, (peak, dram) in {"serial": (40.0, 20.0), "threads": (70.0, 24.0),
                                "processes": (80.0, 25.0)}.items():
        run = dgemm.loc[model]
        assert run.gflops == pytest.approx(40.0) and run.intensity == pytest.approx(4.0)
        assert run.pct_peak == pytest.approx(100 * 40 / peak)
        assert run.pct_dram == pytest.approx(100 * 10 / dram)
    counter = ceilings.table(reports)
    counter = counter[counter.kernel == "counter"].iloc[0]
    assert math.isnan(counter.pct_peak) and math.isnan(counter.pct_dram)


def test_runs_on_several_nodes_are_compared_with_that_many_node_roofs():
    assert ceilings.scope_of(1, 1, 1) == "thread"
    assert ceilings.scope_of(2, 1, 2) == "thread"   # one worker on each of 2 nodes
    assert ceilings.scope_of(2, 4, 2) == "rank"
    assert ceilings.scope_of(4, 1, 2) == "node"


def test_summary_shows_percentages_and_dashes(tmp_path):
    result = analyze("summary", report(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "% of peak" in lines[0] and "% of memory bw" in lines[0]
    serial = next(line for line in lines if line.startswith("dgemm") and " serial " in line)
    assert "100.0 %" in serial and "50.0 % DRAM" in serial  # 40/40 GFLOP/s, 10/20 GB/s
    counter = next(line for line in lines if line.startswith("counter"))
    assert "%" not in counter


def test_disabled_ceilings_give_no_roofs_and_no_percentages(tmp_path):
    path = report(tmp_path, status="disabled")
    reports = load(path)
    assert len(reports.ceilings) == 0
    result = analyze("summary", path)
    assert result.returncode == 0, result.stderr
    table = result.stdout.split("\n\n")[0]  # the table, not the answer after it
    assert "%" not in "".join(table.splitlines()[2:])


def test_the_roofline_plot_places_every_counted_run(tmp_path):
    info = draw(load(report(tmp_path)), str(tmp_path / "roofline.png"))
    assert info is not None and (tmp_path / "roofline.png").stat().st_size > 0
    assert info["series"] == 3  # serial, threads, processes: one series per model
    assert draw(load(report(tmp_path, "disabled")), str(tmp_path / "none.png")) is None


def test_the_html_page_includes_the_roofline(tmp_path):
    # html draws what plot draws (plot.make_plots), so this covers both.
    result = analyze("html", report(tmp_path), "-o", tmp_path / "page.html")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "page.html").read_text()
    assert '(roofline.png)' in page  # its figure's caption
    # The run table has the percentages summary prints: dgemm serial at 40/40 GFLOP/s and
    # 10/20 GB/s, threads at 40/70 GFLOP/s.
    assert "<td>100.0 %</td>" in page and "<td>50.0 % DRAM</td>" in page and "<td>57.1 %</td>" in page
