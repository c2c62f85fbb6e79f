"""compare, merge, html and plot on synthetic reports and on the real tiny report."""
import base64
import os
import struct
import subprocess
from html.parser import HTMLParser

import h5py
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

from parlab_analysis import plot  # noqa: E402
from parlab_analysis import load  # noqa: E402
from parlab_analysis.report import load_runs  # noqa: E402
from synthetic import write_report  # noqa: E402

ANALYZE = os.path.join(HERE, "..", "..", "python", "parlab-analyze")
REPORT = os.environ.get("PARLAB_TINY_REPORT", "")


def analyze(*args):
    return subprocess.run(["/usr/bin/python3", ANALYZE, *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def tiny_plots(tmp_path_factory):
    """The tiny report's plots, drawn once for the tests that inspect them."""
    return plot.make_plots(load(REPORT), str(tmp_path_factory.mktemp("plots")))


def one_cell(path, times, kernel="triad"):
    write_report(path, [dict(kernel=kernel, params="", size=100, model="serial", ranks=1,
                             threads=1, cell_times=times)])
    return str(path)


BASE = [1.00, 1.01, 0.99, 1.02, 1.00, 0.98, 1.01]


def test_compare_exit_codes_for_faster_slower_and_within_tolerance(tmp_path):
    base = one_cell(tmp_path / "base.h5", BASE)
    slower = one_cell(tmp_path / "slower.h5", [t * 1.3 for t in BASE])
    faster = one_cell(tmp_path / "faster.h5", [t * 0.7 for t in BASE])
    close = one_cell(tmp_path / "close.h5", [t * 1.03 for t in BASE])
    result = analyze("compare", base, slower)
    assert result.returncode == 1 and "worse" in result.stdout, result.stdout
    assert "+30.0%" in result.stdout  # time change
    assert "-23.1%" in result.stdout  # rate change: 1/1.3 - 1
    result = analyze("compare", base, faster)
    assert result.returncode == 0 and "better" in result.stdout
    result = analyze("compare", base, close)  # significant, but within 5 %
    assert result.returncode == 0 and "same" in result.stdout
    assert analyze("compare", "--tolerance", "1%", base, close).returncode == 1


def test_compare_needs_significance_not_just_a_median_shift(tmp_path):
    base = one_cell(tmp_path / "base.h5", [1.0, 2.0, 1.0, 2.0, 1.0])
    noisy = one_cell(tmp_path / "noisy.h5", [1.0, 2.0, 2.0, 1.0, 2.0])  # median +100 %
    result = analyze("compare", base, noisy)
    assert result.returncode == 0 and "same" in result.stdout, result.stdout


def test_merge_round_trips_runs_and_refuses_other_schemas(tmp_path):
    a = one_cell(tmp_path / "a.h5", [1.0, 2.0, 3.0])
    b = one_cell(tmp_path / "b.h5", [4.0, 5.0, 6.0], kernel="stencil")
    merged = tmp_path / "merged.h5"
    result = analyze("merge", a, b, "-o", str(merged))
    assert result.returncode == 0, result.stderr
    runs = load_runs(str(merged))
    assert list(runs.kernel) == ["triad", "stencil"]
    assert list(runs.median_s) == [2.0, 5.0]
    with h5py.File(merged, "r") as handle:
        assert handle["runs/run-0002"].attrs["merged_from"].endswith("b.h5:/runs/run-0001")
    with h5py.File(b, "a") as handle:
        handle.attrs["schema_version"] = 2
    result = analyze("merge", a, b, "-o", str(tmp_path / "bad.h5"))
    assert result.returncode == 2 and "schema version 2" in result.stderr


class Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs)["src"])


needs_report = pytest.mark.skipif(not os.path.exists(REPORT), reason="PARLAB_TINY_REPORT not set")


@needs_report
def test_html_page_embeds_every_plot(tmp_path, tiny_plots):
    page = tmp_path / "report.html"
    assert analyze("html", REPORT, "-o", str(page)).returncode == 0
    parser = Images()
    parser.feed(page.read_text())
    assert len(parser.sources) == len(tiny_plots)
    for source in parser.sources:
        assert source.startswith("data:image/png;base64,")  # nothing fetched from elsewhere
        assert base64.b64decode(source.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    text = page.read_text()
    assert "src=\"http" not in text
    # The answer first: its section precedes the first image, then the warnings, the
    # matrix, the groups, the environment and the table, each reachable from the contents.
    order = [text.index(f'<section id="{anchor}">') for anchor in
             ("answer", "warnings", "matrix", "groups", "environment", "runs")]
    assert order == sorted(order) and order[0] < text.index("<img ")
    for anchor in ("answer", "warnings", "matrix", "groups", "environment", "runs"):
        assert f'<a href="#{anchor}">' in text


@needs_report
def test_every_plot_is_a_sane_png_with_its_axes_and_series(tiny_plots):
    runs = load(REPORT).runs
    infos = tiny_plots
    kinds = {}
    for info in infos:
        with open(info["path"], "rb") as handle:
            header = handle.read(24)
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", header[16:24])
        assert 300 <= width <= 2000 and 100 <= height <= 2000
        assert info["axes"] == (2 if info["kind"] == "matrix" else 1)  # the matrix's colour bar
        kinds.setdefault(info["kind"], []).append(info)
    labels = runs.label.nunique()
    assert len(kinds["time"]) == labels and len(kinds["phases"]) == labels
    assert all(i["series"] == 1 for i in kinds["time"])
    # the matrix: one coloured cell per (label, model) with a finite speedup
    finite = runs[runs.speedup.apply(lambda s: s == s)]
    assert len(kinds["matrix"]) == 1
    assert kinds["matrix"][0]["series"] == finite.groupby(["label", "model"]).ngroups
    # a why chart per group with at least two models measured
    assert len(kinds["why"]) == sum(n > 1 for n in finite.groupby("label").model.nunique())
    # strong scaling: one line per non-serial model plus the ideal line
    dgemm = runs[runs.label == runs[runs.kernel == "dgemm"].label.iloc[0]]
    strong = next(i for i in kinds["strong"] if "dgemm" in i["path"])
    assert strong["series"] == dgemm[dgemm.model != "serial"].model.nunique() + 1
