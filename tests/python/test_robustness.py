"""Bad input never crashes parlab-analyze: every subcommand validates what it reads and
ends with one line `parlab-analyze: error: ...` and exit 2 (1 is only compare's "got
slower", 0 success). Outputs never go through links, into non-regular files or over an
input; merge refuses duplicates and keeps every input's status. Issue 13, point 8."""
import hashlib
import os
import shutil

import h5py
import numpy as np
import pytest

from helpers import analyze, bad, process
from parlab_analysis import lesson, load
from parlab_analysis import verdict as v
from synthetic import COLUMNS, one_run, write_report

PARTIAL = os.environ.get("PARLAB_PARTIAL_REPORT", "")


def digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def edited(tmp_path, change, name="edited.h5"):
    """A valid two-rank report, then `change(run group, file)` applied to it."""
    path = tmp_path / name
    write_report(path, [dict(kernel="triad", size=10, model="processes", ranks=2, threads=1,
                             cell_times=[1.0, 2.0, 3.0], phases={"compute": 0.5})])
    with h5py.File(path, "a") as handle:
        change(handle["runs/run-0001"], handle)
    return str(path)


def replace(name, data, **attrs):
    def change(run, _):
        del run[name]
        dataset = run.create_dataset(name, data=data)
        for key, value in attrs.items():
            dataset.attrs[key] = value
    return change


def set_sample(rep, rank, column, value):
    def change(run, _):
        samples = run["samples"][()]
        samples[rep, rank, COLUMNS.index(column)] = value
        run["samples"][...] = samples
    return change


def set_attr(key, value):
    def change(run, _):
        run.attrs[key] = value
    return change


DAMAGE = {
    "no samples": (lambda run, _: run.__delitem__("samples"), "dataset 'samples' is missing"),
    "samples a group": (lambda run, _: (run.__delitem__("samples"), run.create_group("samples")),
                        "'samples' is a group"),
    "samples 2-D": (replace("samples", np.ones((3, 9)), columns=COLUMNS), "samples have shape (3, 9)"),
    "samples of the wrong ranks": (replace("samples", np.ones((3, 1, 9)), columns=COLUMNS),
                                   "expected [repetition][rank][column] = [n][2][9]"),
    "samples as text": (replace("samples", np.full((3, 2, 9), b"x"), columns=COLUMNS),
                        "samples must be numbers"),
    "no columns": (replace("samples", np.ones((3, 2, 9))), "no 'columns' attribute"),
    "columns without total": (replace("samples", np.ones((3, 2, 9)), columns=COLUMNS[1:] + ["x"]),
                              "must start with 'total'"),
    "NaN sample": (set_sample(1, 0, "compute", np.nan), "samples[1][0] compute is nan"),
    "infinite total": (set_sample(0, 1, "total", np.inf), "samples[0][1] total is inf"),
    "negative phase": (set_sample(2, 1, "comm", -0.5), "samples[2][1] comm is -0.5: a negative"),
    "zero total": (set_sample(0, 0, "total", 0.0), "samples[0][0] total is 0.0: a repetition "
                                                   "cannot take no time"),
    "ranks as text": (set_attr("ranks", "two"), "attribute 'ranks' must be a whole number"),
    "zero ranks": (set_attr("ranks", 0), "attribute 'ranks' must be at least 1, got 0"),
    "fractional threads": (set_attr("threads", 1.5), "attribute 'threads' must be a whole number"),
    "unknown status": (set_attr("status", "banana"), "attribute 'status' is 'banana'"),
    "negative work": (set_attr("work_amount", -1.0), "'work_amount' must be a non-negative"),
    "zero rate scale": (set_attr("rate_scale", 0.0), "'rate_scale' must be a positive"),
    "no kernel": (lambda run, _: run.attrs.__delitem__("kernel"), "attribute 'kernel' is missing"),
    "no summary": (lambda run, _: run.__delitem__("summary"), "dataset 'summary' is missing"),
    "summary not compound": (replace("summary", 2.0), "summary has no 'median_s' field"),
    "text result": (lambda run, _: run["results"].create_dataset("x", data=b"abc"),
                    "results/x must be a single number"),
    "ok without repetitions": (replace("samples", np.ones((0, 2, 9)), columns=COLUMNS),
                               "status is ok but the run has no repetitions"),
    "cell_time disagrees": (lambda run, _: run.create_dataset("cell_time", data=[1.0, 2.0, 9.0]),
                            "the stored cell_time does not match"),
    "run a dataset": (lambda _, f: f["runs"].create_dataset("run-0002", data=1.0),
                      "run-0002: is a dataset, not a run group"),
    "schema as text": (lambda _, f: f.attrs.__setitem__("schema_version", "one"),
                       "schema_version 'one' is not a number"),
    "runs a dataset": (lambda _, f: (f.__delitem__("runs"), f.create_dataset("runs", data=1)),
                       "holds no runs"),
    # 540 million samples declared, none written: refused before anything is read.
    "absurd samples": (lambda run, _: (run.__delitem__("samples"),
                                       run.create_dataset("samples", shape=(30_000_000, 2, 9),
                                                          dtype="f8", chunks=(1024, 2, 9))),
                       "dataset 'samples' has 540000000 elements, more than the"),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_a_damaged_report_is_one_line_and_exit_2(tmp_path, case):
    change, fragment = DAMAGE[case]
    bad(analyze("summary", edited(tmp_path, change)), fragment)


def test_the_launcher_reports_a_damaged_report_in_one_line(tmp_path):
    bad(process("summary", edited(tmp_path, DAMAGE["no samples"][0])), "'samples' is missing")


@pytest.mark.parametrize("command", ["summary", "plot", "compare", "merge", "html", "lesson",
                                     "export csv", "export json", "export hatchet",
                                     "export extrap", "db add"])
def test_every_subcommand_validates_what_it_reads(tmp_path, command):
    good = one_run(tmp_path / "good.h5")
    broken = edited(tmp_path, DAMAGE["NaN sample"][0])
    out = tmp_path / "out"
    args = {"summary": [broken], "plot": [broken, "--out", out], "compare": [good, broken],
            "merge": [good, broken, "-o", out], "html": [broken, "-o", out],
            "lesson": [broken], "db add": [broken, "--db", out]}.get(command, [broken, "-o", out])
    bad(analyze(*command.split(), *args), "samples[1][0] compute is nan")
    assert not out.exists()  # nothing written


def test_a_truncated_report_is_one_line(tmp_path):
    path = one_run(tmp_path / "full.h5", times=np.linspace(1, 2, 50000))
    data = open(path, "rb").read()
    cut = tmp_path / "cut.h5"
    cut.write_bytes(data[: len(data) // 2])
    result = analyze("summary", cut)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_directories_fifos_and_devices_are_not_reports(tmp_path):
    bad(analyze("summary", tmp_path), "is a directory, not a report file")
    fifo = tmp_path / "fifo.h5"
    os.mkfifo(fifo)
    bad(process("summary", fifo, timeout=30), "is a FIFO, not a report file")  # and no hang
    bad(analyze("summary", "/dev/null"), "is a character device")
    bad(analyze("compare", one_run(tmp_path / "a.h5"), "/dev/zero"), "is a character device")


def test_a_link_to_a_report_is_read(tmp_path):
    target = one_run(tmp_path / "real.h5")
    os.symlink(target, tmp_path / "link.h5")
    result = analyze("summary", tmp_path / "link.h5")
    assert result.returncode == 0 and "triad" in result.stdout, result.stderr


def test_absurd_sizes_are_refused_before_reading(tmp_path):
    huge = tmp_path / "huge.h5"
    with open(huge, "wb") as handle:
        handle.truncate(20 << 30)  # sparse: 20 GiB that take no room
    bad(analyze("summary", huge), "is 21474836480 bytes, more than the")
    small_limit = analyze("summary", one_run(tmp_path / "a.h5"),
                          env={"PARLAB_ANALYZE_MAX_BYTES": "100"})
    bad(small_limit, "more than the 100 bytes")
    bad(analyze("summary", one_run(tmp_path / "b.h5"), env={"PARLAB_ANALYZE_MAX_BYTES": "lots"}),
        "PARLAB_ANALYZE_MAX_BYTES must be a whole number")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run the check as another user")
def test_an_unreadable_report_is_one_line(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    for directory in (tmp_path, shared):
        os.chmod(directory, 0o755)
    path = one_run(shared / "secret.h5")
    os.chmod(path, 0o000)
    config = shared / "config"
    config.mkdir(mode=0o777)
    os.chmod(config, 0o777)
    result = process("summary", path, preexec_fn=lambda: os.setuid(65534),
                     env={"HOME": "/nonexistent", "MPLCONFIGDIR": str(config)})
    if "Permission denied" in result.stderr and "secret.h5" not in result.stderr:
        pytest.skip("the package itself is not readable by nobody here")
    bad(result, "cannot read report: Permission denied")


def test_outputs_are_never_a_missing_directory_a_file_a_link_or_an_input(tmp_path):
    report = one_run(tmp_path / "a.h5")
    other = one_run(tmp_path / "b.h5", kernel="stencil")
    bad(analyze("html", report, "-o", tmp_path / "missing" / "page.html"), "does not exist")
    (tmp_path / "file").write_text("x")
    bad(analyze("plot", report, "--out", tmp_path / "file"), "is not a regular file, not a "
                                                               "directory")
    before = digest(report)
    bad(analyze("merge", report, other, "-o", report), "is the input")
    bad(analyze("html", report, "-o", report), "is the input")
    bad(analyze("export", "json", report, "-o", report), "is the input")
    assert digest(report) == before
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    os.symlink(victim, tmp_path / "link.h5")
    bad(analyze("merge", report, other, "-o", tmp_path / "link.h5"), "is a symbolic link")
    bad(analyze("html", report, "-o", tmp_path / "link.h5"), "is a symbolic link")
    assert victim.read_text() == "keep me" and os.path.islink(tmp_path / "link.h5")
    bad(analyze("merge", report, other, "-o", "/dev/null"), "is a character device")
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    bad(process("export", "json", report, "-o", fifo, timeout=30), "is a FIFO")
    bad(analyze("merge", report, other, "-o", tmp_path), "is a directory")
    planted = tmp_path / "csv"
    planted.mkdir()
    os.symlink(victim, planted / "runs.csv")  # a link where an output file will go
    bad(analyze("export", "csv", report, "-o", planted), "runs.csv: is a symbolic link")
    assert victim.read_text() == "keep me"
    shutil.rmtree(planted)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.h5", "b.h5", "fifo", "file",
                                                          "link.h5", "victim.txt"]


def test_outputs_replace_the_target_by_renaming_and_leave_no_scratch(tmp_path):
    a, b = one_run(tmp_path / "a.h5"), one_run(tmp_path / "b.h5", kernel="stencil")
    out = tmp_path / "merged.h5"
    out.write_text("an old file")
    old_inode = os.stat(out).st_ino
    assert analyze("merge", a, b, "-o", out).returncode == 0
    assert os.stat(out).st_ino != old_inode  # a new file renamed over it, not rewritten
    assert list(load(str(out)).runs.kernel) == ["triad", "stencil"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.h5", "b.h5", "merged.h5"]


def test_merge_refuses_the_same_report_or_run_twice(tmp_path):
    a = one_run(tmp_path / "a.h5")
    bad(analyze("merge", a, a, "-o", tmp_path / "m.h5"), "is the same file as")
    shutil.copy(a, tmp_path / "copy.h5")
    bad(analyze("merge", a, tmp_path / "copy.h5", "-o", tmp_path / "m.h5"), "is the same report as")
    # A resumed report holds the runs of the partial one it continued: the same runs.
    resumed = tmp_path / "resumed.h5"
    write_report(resumed, [dict(kernel="stencil", params="", size=5, model="serial", ranks=1,
                                threads=1, cell_times=[4.0, 5.0])])
    with h5py.File(a, "r") as source, h5py.File(resumed, "a") as target:
        source.copy("runs/run-0001", target["runs"], name="run-0002")
    bad(analyze("merge", a, resumed, "-o", tmp_path / "m.h5"),
        f"{resumed}: run-0002 is the same run as {a}: run-0001")
    assert not (tmp_path / "m.h5").exists()


def test_merge_keeps_every_input_status(tmp_path):
    complete = one_run(tmp_path / "c.h5", root={"status": "complete"})
    partial = one_run(tmp_path / "p.h5", kernel="stencil",
                      root={"status": "partial: interrupted by SIGTERM after 1 of 4 runs"})
    out = tmp_path / "m.h5"
    assert analyze("merge", complete, partial, "-o", out).returncode == 0
    merged = load(str(out))
    status = merged.status.status.iloc[0]
    assert status.startswith("partial: merged from 2 reports, not all complete: ")
    assert f"{partial}: partial: interrupted by SIGTERM after 1 of 4 runs" in status
    assert list(merged.runs.source_status) == [
        "complete", "partial: interrupted by SIGTERM after 1 of 4 runs"]
    incomplete = one_run(tmp_path / "i.h5", kernel="dgemm", root={"status": "incomplete: running"})
    assert analyze("merge", out, incomplete, "-o", tmp_path / "m2.h5").returncode == 0
    again = load(str(tmp_path / "m2.h5"))
    assert again.status.status.iloc[0].startswith("incomplete: merged from 2 reports")
    assert list(again.runs.source_status) == [  # kept through a second merge
        "complete", "partial: interrupted by SIGTERM after 1 of 4 runs", "incomplete: running"]
    with h5py.File(tmp_path / "m2.h5", "r") as handle:
        assert list(handle.attrs["merged_statuses"])[1] == "incomplete: running"


def test_compare_against_a_report_measuring_a_cell_twice_is_bad_input(tmp_path):
    base = one_run(tmp_path / "base.h5")
    twice = tmp_path / "twice.h5"
    cell = dict(kernel="triad", params="", size=100, model="serial", ranks=1, threads=1)
    write_report(twice, [dict(cell, cell_times=[1.0, 2.0, 3.0]), dict(cell, cell_times=[9.0, 9.5])])
    bad(analyze("compare", base, twice), "the cell triad size=100 serial 1 1 is measured twice")


def test_exit_codes_and_usage_errors(tmp_path):
    base = one_run(tmp_path / "base.h5", times=[1.0, 1.01, 0.99, 1.0, 1.02])
    slower = one_run(tmp_path / "slow.h5", times=[2.0, 2.01, 1.99, 2.0, 2.02])
    assert process("compare", base, base).returncode == 0
    assert process("compare", base, slower).returncode == 1
    bad(process("compare", base, tmp_path / "none.h5"), "no such file")
    bad(analyze("compare", "--tolerance", "abc", base, slower), "tolerance must be a number")
    bad(analyze("compare", "--tolerance=-5%", base, slower), "between 0 and 1000%")
    bad(analyze("bogus"), "invalid choice: 'bogus'")
    bad(analyze("summary"), "the following arguments are required: reports")
    bad(analyze("lesson", base, "--iterations", "0"), "must be from 1 to")
    bad(analyze("export", "xml", base, "-o", tmp_path / "x"), "invalid choice: 'xml'")
    assert analyze("summary", base).returncode == 0


def test_a_run_without_repetitions_is_shown_not_a_crash(tmp_path):
    path = tmp_path / "timeout.h5"
    write_report(path, [dict(kernel="fault", size=1, model="serial", ranks=1, threads=1,
                             cell_times=[1.0]),
                        dict(kernel="fault", size=1, model="threads", ranks=1, threads=2,
                             cell_times=[], status="timeout", attrs={"rate_unit": ""})])
    for command in (["summary", path], ["compare", path, path], ["plot", path, "--out",
                                                                 tmp_path / "p"],
                    ["export", "hatchet", path, "-o", tmp_path / "h"]):
        result = analyze(*command)
        assert result.returncode == 0, (command, result.stderr)
    assert "no data" in analyze("compare", path, path).stdout


def wait_report(tmp_path, threads, times, model="threads", tasks=8):
    path = tmp_path / f"wait-{model}-{threads}.h5"
    common = dict(kernel="wait", params="wait_us=1000", size=tasks, ranks=1)
    write_report(path, [dict(common, model="serial", threads=1, cell_times=[8.0, 8.0, 8.0]),
                        dict(common, model=model, threads=threads, cell_times=times)])
    rows = lesson.rows(load(str(path)))
    return next(r for r in rows if r[0] == lesson.WAIT_CLAIMS[model])


def test_waiting_threshold_follows_from_the_shape(tmp_path):
    # 8 tasks on 2 threads: at best 2x (four waits in turn); 2.01x is all there is to get.
    claim, expected, measured, verdict = wait_report(tmp_path, 2, [3.98, 3.98, 3.98])
    assert verdict == v.HOLDS, (expected, measured)
    assert "ideal 2x" in expected and ">= 1.5x" in expected
    # The same 2.01x on 8 threads is far from their 8x: it does not hold.
    assert wait_report(tmp_path, 8, [3.98, 3.98, 3.98])[3] == v.FAILS
    # 8 tasks on 3 threads: three rounds of waits at best, 8/3 x.
    assert "ideal 2.66667x" in wait_report(tmp_path, 3, [3.0, 3.0, 3.0])[1]
    # An event loop keeps all of a rank's tasks pending at once: ideal = tasks, 1 thread.
    claim, expected, _, verdict = wait_report(tmp_path, 1, [1.1, 1.1, 1.1], model="async")
    assert "ideal 8x" in expected and verdict == v.HOLDS
    assert lesson.wait_ideal({"size": 8, "ranks": 2, "threads": 2, "model": "threads"}) == 4
    assert lesson.wait_ideal({"size": 8, "ranks": 2, "threads": 1, "model": "async"}) == 8


needs_partial = pytest.mark.skipif(not os.path.exists(PARTIAL),
                                   reason="PARLAB_PARTIAL_REPORT not set")


@needs_partial
def test_a_real_partial_report_is_read_and_stays_partial_when_merged(tmp_path):
    assert analyze("summary", PARTIAL).returncode == 0
    status = load(PARTIAL).status.status.iloc[0]
    assert status.startswith("partial")
    other = one_run(tmp_path / "other.h5", root={"status": "complete"})
    assert analyze("merge", PARTIAL, other, "-o", tmp_path / "m.h5").returncode == 0
    merged = load(str(tmp_path / "m.h5"))
    assert merged.status.status.iloc[0].startswith("partial: merged from 2 reports")
    assert set(merged.runs.source_status[:-1]) == {status}


MUTATIONS = {"deleted": None, "text": "x", "negative": -1, "NaN": float("nan"),
             "an array": np.array([1.0, 2.0]), "empty text": b"", "huge": 1e300,
             "a group": "group"}


def test_every_field_damaged_any_way_is_read_or_refused_in_one_line(tmp_path):
    """Each attribute and dataset of a run, and each root attribute, replaced by each of
    a few wrong values (a dataset also by a group, an attribute by a matrix): the report is either still valid (exit 0) or refused in one line
    (exit 2), never a crash (3) or a traceback."""
    source = edited(tmp_path, lambda run, _: run.create_dataset("cell_time", data=[1.0, 2.0, 3.0]),
                    name="source.h5")
    with h5py.File(source, "r") as handle:
        fields = [("runs/run-0001", k, "attr") for k in handle["runs/run-0001"].attrs] + \
                 [("runs/run-0001", k, "dataset") for k in handle["runs/run-0001"]] + \
                 [("/", k, "attr") for k in handle.attrs]
    outcomes = {}
    for place, key, kind in fields:
        for name, value in MUTATIONS.items():
            path = tmp_path / "mutated.h5"
            shutil.copy(source, path)
            with h5py.File(path, "a") as handle:
                group = handle[place]
                if kind == "attr":
                    del group.attrs[key]
                    if isinstance(value, str) and value == "group":
                        group.attrs[key] = np.array([[1, 2], [3, 4]])
                    elif value is not None:
                        group.attrs[key] = value
                else:
                    del group[key]
                    if isinstance(value, str) and value == "group":
                        group.create_group(key)
                    elif value is not None:
                        group.create_dataset(key, data=value)
            result = analyze("summary", path)
            assert result.returncode in (0, 2), (place, key, name, result.stderr)
            if result.returncode == 2:
                bad(result, str(path))
            outcomes[(key, name)] = result.returncode
    assert sum(code == 2 for code in outcomes.values()) > len(outcomes) / 2
    assert outcomes[("samples", "deleted")] == 2 and outcomes[("label", "deleted")] == 2


def test_the_html_page_says_which_reports_are_unfinished(tmp_path):
    partial = one_run(tmp_path / "p.h5", root={"status": "partial: interrupted by SIGTERM"})
    complete = one_run(tmp_path / "c.h5", kernel="stencil", root={"status": "complete"})
    page = tmp_path / "page.html"
    assert analyze("html", partial, complete, "-o", page).returncode == 0
    text = page.read_text()
    assert f"{partial}: partial: interrupted by SIGTERM" in text and f"{complete}: complete" not in text
