"""The io kernel's overlap in `summary` and the `io` plot, on a small synthetic report."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from synthetic import write_report  # noqa: E402

from parlab_analysis import summary  # noqa: E402
from parlab_analysis.plot import make_plots  # noqa: E402
from parlab_analysis.report import load  # noqa: E402


def io_report(path):
    base = dict(kernel="io", size=1000, model="processes", ranks=2, threads=1)
    write_report(path, [
        dict(base, params="mode=blocking,progress=auto", cell_times=[1.0, 1.1],
             phases={"compute": 0.6, "io": 0.4}),
        dict(base, params="mode=nonblocking,progress=auto", cell_times=[0.7, 0.8],
             phases={"compute": 0.9, "post": 0.05}, results={"overlap_vs_smaller": 0.75, "overlap_ceiling": 0.5}),
        dict(base, params="mode=nonblocking,progress=test", cell_times=[1.2, 1.3],
             phases={"compute": 0.5, "wait": 0.4}, results={"overlap_vs_smaller": -0.5, "overlap_ceiling": 0.5}),
    ])
    return str(path)


def test_summary_shows_overlap_next_to_its_ceiling_and_flags_a_negative_one(tmp_path):
    reports = load(io_report(tmp_path / "io.h5"))
    text = summary.render(reports.runs, "terminal", results=reports.results).splitlines()
    assert text[0].rstrip().endswith(summary.IO_COLUMN)
    assert text[2].rstrip().endswith("-")  # the blocking run has no overlap
    assert text[3].rstrip().endswith("0.75 / 0.50")
    assert text[4].rstrip().endswith("-0.50 / 0.50 slower than blocking")
    # Reports without io runs keep the table as it was.
    write_report(tmp_path / "triad.h5", [dict(kernel="triad", size=10, model="serial", ranks=1, threads=1,
                                              cell_times=[1.0])])
    plain = load(str(tmp_path / "triad.h5"))
    assert summary.IO_COLUMN not in summary.render(plain.runs, "csv", results=plain.results)


def test_io_plot_draws_one_stacked_bar_per_run(tmp_path):
    written = make_plots(load(io_report(tmp_path / "io.h5")), str(tmp_path / "plots"))
    io = [w for w in written if w["path"].endswith("io-overlap.png")]
    assert len(io) == 1 and io[0]["series"] == 3 and os.path.getsize(io[0]["path"]) > 0
