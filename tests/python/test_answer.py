"""The answer (winner, interval, why, warnings), the answer's plots and the scaling
plots on synthetic reports with known numbers."""
import os
import struct

import pytest

from parlab_analysis import answer, answer_plots, interval, load, plot, units
from synthetic import write_report

SERIAL = [1.0, 1.1, 0.9]


def run(model, ranks, threads, times, **extra):
    return dict(kernel="counter", params="variant=mutex", size=100, model=model, ranks=ranks,
                threads=threads, cell_times=times, **extra)


def counter_report(path, root=None, extra=()):
    """serial 1 s; processes 2x1 twice as fast; threads 1x2 three times slower, 70 % of
    its time waiting for the lock (inside compute); hybrid 2x2 oversubscribed."""
    write_report(path, [
        run("serial", 1, 1, SERIAL, phases={"compute": 1.0}),
        run("processes", 2, 1, [0.5, 0.52, 0.48], phases={"compute": 0.8, "comm": 0.2}),
        run("threads", 1, 2, [3.0, 3.0, 3.3], phases={"compute": 0.95, "lock_wait": 0.7}),
        run("hybrid", 2, 2, [0.9, 1.0, 0.95], phases={"compute": 1.0},
            attrs={"oversubscribed": 1}),
        *extra], root=root)
    return load(str(path))


def test_the_winner_is_the_fastest_model_with_its_interval(tmp_path):
    reports = counter_report(tmp_path / "r.h5")
    (group,) = answer.groups(reports)
    assert group.winner == "processes" and group.runner_up == "hybrid"
    cell = group.cells["processes"]
    median = 1.0  # the serial median
    # The 95 % interval of the speedup (no rounds here: a bootstrap of the medians' ratio).
    assert cell.speedup == interval.speedup(SERIAL, [0.5, 0.52, 0.48])
    low, estimate, high = cell.speedup
    assert estimate == pytest.approx(median / 0.5) and low < estimate < high
    assert cell.shape == "2x1" and not cell.oversubscribed
    assert group.cells["hybrid"].oversubscribed
    # processes' interval lies above hybrid's: a clear win
    assert group.clear
    line = answer.winner_lines([group])[0]
    assert f"processes 2.00x [{low:.2f}-{high:.2f}] on 2x1, clearly ahead of hybrid" in line


def test_the_explanation_comes_from_the_numbers(tmp_path):
    (group,) = answer.groups(counter_report(tmp_path / "r.h5"))
    threads = group.cells["threads"]
    shares = threads.shares
    # compute less the lock wait measured inside it
    assert shares["lock_wait"] == pytest.approx(0.7) and shares["compute"] == pytest.approx(0.25)
    assert shares[answer.OTHER] == pytest.approx(0.05)
    text = group.explanation
    low, _, high = group.cells["processes"].speedup
    assert text.startswith(f"processes wins at 2.00x [{low:.2f}-{high:.2f}] on 2x1: efficiency 100%")
    assert "80% of its time compute" in text
    assert "slowest: threads runs at 0.33x" in text and "70% of its time lock_wait" in text
    # Karp-Flatt of threads: (3 - 1/2) / (1 - 1/2) = 5
    assert "Karp-Flatt 5.00 (> 1" in text


def test_warnings_name_partial_failed_oversubscribed_noisy_and_baseline_less_runs(tmp_path):
    reports = counter_report(
        tmp_path / "r.h5", root={"status": "partial: interrupted by SIGTERM after 6 of 9 runs",
                                 "runs_planned": 9},
        extra=[run("gil", 1, 2, [1.0, 5.0], status="failed", attrs={"message": "lost 3"}),
               dict(kernel="triad", params="", size=8, model="threads", ranks=1, threads=2,
                    cell_times=[1.0])])
    kinds = {w.kind: w.text for w in answer.warnings(reports)}
    assert set(kinds) == {"partial", "failed", "oversubscribed", "noise", "baseline"}
    assert "3 of 9 planned runs are missing" in kinds["partial"]
    assert "run-0005" in kinds["failed"] and "failed (lost 3)" in kinds["failed"]
    assert kinds["oversubscribed"].startswith("1 run is oversubscribed (shapes 2x2")
    assert "worst 5.0x" in kinds["noise"]
    assert "triad size=8" in kinds["baseline"]
    groups = answer.groups(reports)
    assert groups[0].cells["gil"].failed == 1 and not groups[0].cells["gil"].measured
    assert answer.winner_lines(groups)[1] == (
        "triad size=8: no serial run to compare with; fastest: threads 1x2 at 1 s")
    text = answer.render_terminal(reports)
    assert text.splitlines()[1].startswith("  counter[variant=mutex] size=100: processes 2.00x")
    assert "Warnings:" in text and "3 of 9 planned runs are missing" in text


def test_time_units_are_scaled():
    assert units.seconds_text(0.025) == "25 ms"
    assert units.seconds_text(9.21e-5) == "92.1 µs"
    assert units.seconds_text(3e-8) == "30 ns"
    assert units.time_scale([0.02, 0.03, 0.025]) == (1e3, "ms")


def _png_size(path):
    with open(path, "rb") as handle:
        header = handle.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_the_winner_matrix_and_why_plots(tmp_path):
    reports = counter_report(tmp_path / "r.h5")
    infos = answer_plots.plots(reports, str(tmp_path))
    assert [i["kind"] for i in infos] == ["matrix", "why"]
    assert infos[0]["series"] == 4  # four measured cells
    assert infos[1]["series"] == 4  # compute, comm, lock_wait, other
    assert infos[1]["legend"] == ["compute", "comm", "lock_wait", "other"]
    width, height = _png_size(infos[0]["path"])
    assert width >= 600 and height >= 150


def test_scaling_plots_mark_oversubscribed_points_and_use_log2_beyond_4x(tmp_path):
    times = {1: SERIAL, 2: [0.5, 0.55, 0.6], 4: [0.3, 0.3, 0.3], 8: [0.2, 0.25, 0.2]}
    runs = [run("serial", 1, 1, SERIAL)] + [
        run("processes", w, 1, t, attrs={"oversubscribed": int(w > 2)})
        for w, t in times.items() if w > 1]
    write_report(tmp_path / "wide.h5", runs)
    reports = load(str(tmp_path / "wide.h5"))
    runs, label = reports.runs, reports.runs.label.iloc[0]
    strong = plot.strong_scaling(reports, runs, label, str(tmp_path / "wide.png"))
    assert strong["xscale"] == "log" and strong["yscale"] == "log"
    assert "hollow: oversubscribed" in strong["legend"]
    assert plot.time_per_model(runs, label, str(tmp_path / "t.png"))["ylabel"].endswith("[ms]")
    narrow = plot.strong_scaling(reports, runs[runs.workers <= 4], label,
                                 str(tmp_path / "narrow.png"))
    assert narrow["xscale"] == "linear" and os.path.exists(narrow["path"])


def test_a_partial_report_page_says_what_is_missing(tmp_path):
    from parlab_analysis import html

    counter_report(tmp_path / "r.h5", root={"status": "incomplete: killed", "runs_planned": 6})
    text = html.page([str(tmp_path / "r.h5")])
    warnings = text[text.index('<section id="warnings">'):text.index('<section id="matrix">')]
    assert "2 of 6 planned runs are missing" in warnings and "incomplete: killed" in warnings
    assert text.index('<section id="answer">') < text.index("<img ")


def test_a_lesson_report_opens_with_its_verdicts(tmp_path):
    from parlab_analysis import html_sections

    reports = counter_report(tmp_path / "lesson.h5", root={"experiment": "lesson"})
    rows = answer.lesson_rows(reports)
    assert rows and all(len(row) >= 4 for row in rows)
    groups = answer.groups(reports)
    page = html_sections.Page(reports, groups, answer.warnings(reports, groups), [])
    (section,) = html_sections.answer_section(page)
    held = sum(row[-1] == "holds" for row in rows)
    assert f"The lesson's verdicts: {held} of {len(rows)} claims hold" in section.body
    assert f"Lesson: {held} of {len(rows)} claims hold" in answer.render_terminal(reports)
    other = counter_report(tmp_path / "other.h5")
    assert answer.lesson_rows(other) == []


def test_weak_scaling_one_line_per_model_on_log2_axes(tmp_path):
    runs = [dict(kernel="stencil", params="", size=100 * w, model=m, ranks=w, threads=1,
                 cell_times=[1.0 + 0.1 * w, 1.0 + 0.12 * w], attrs={"oversubscribed": int(w > 2)})
            for w, m in ((1, "serial"), (2, "processes"), (4, "processes"), (8, "processes"))]
    write_report(tmp_path / "weak.h5", runs)
    reports = load(str(tmp_path / "weak.h5"))
    infos = plot.weak_scaling(reports, reports.runs, str(tmp_path))
    assert len(infos) == 1
    assert infos[0]["series"] == 3  # serial, processes, ideal
    assert infos[0]["xscale"] == "log"
    assert infos[0]["legend"] == ["serial", "processes", "ideal", "hollow: oversubscribed"]
