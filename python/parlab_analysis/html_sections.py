"""The sections of the HTML page, each a function `(Page) -> [Section]` listed in
html.SECTIONS. A plug-in section (another module) has the same signature; it may take
plots of its own kind from `page.take(kind)`."""
import dataclasses
import html
import math
import os

from . import answer, answer_plots, interval, summary
from .palette import model_colour
from .units import seconds_text


def esc(value):
    return html.escape(str(value))


@dataclasses.dataclass
class Section:
    anchor: str
    title: str
    body: str
    level: int = 2           # h2 sections; groups are h3 under "Kernel groups"


@dataclasses.dataclass
class Page:
    """What every section builder sees. images: [(info, base64 PNG)] from make_plots."""
    reports: object
    groups: list
    warnings: list
    images: list
    used: set = dataclasses.field(default_factory=set)

    def take(self, kind=None, group=None, any_group=False):
        """The images of a kind (and group), marked as placed."""
        out = []
        for index, (info, data) in enumerate(self.images):
            if index in self.used or (kind is not None and info.get("kind") != kind):
                continue
            if not any_group and info.get("group") != group:
                continue
            self.used.add(index)
            out.append((info, data))
        return out


CAPTIONS = {"why": "where each model's time went (its best shape), relative to serial",
            "strong": "strong scaling: speedup vs workers", "time": "time per model and shape",
            "phases": "phases per rank of the group's widest run", "weak": "weak scaling",
            "matrix": "the winner matrix",
            "roofline": "every run under the machine's measured roofs (parlab probe)"}


def figure(info, data, caption=None):
    name = os.path.basename(info["path"])
    text = caption or CAPTIONS.get(info.get("kind"), name)
    return (f'<figure><img alt="{esc(text)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{esc(text)} ({esc(name)})</figcaption></figure>")


def swatch(model):
    return f'<span class="sw" style="background:{model_colour(model)}"></span>{esc(model)}'


def _verdict_table(rows):
    """lesson.rows: (claim, expected, measured, [more columns...], verdict)."""
    extra = max(len(r) for r in rows) - 4
    head = ["claim", "expected", "measured (median [min-max])"] + [""] * extra + ["holds?"]
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row[:-1])
                   + f'<td class="v-{esc(row[-1].split()[-1])}">{esc(row[-1])}</td></tr>'
                   for row in rows)
    held = sum(r[-1] == "holds" for r in rows)
    return (f"<p><strong>The lesson's verdicts: {held} of {len(rows)} claims hold on this "
            "machine.</strong></p><table class=\"compact\"><thead><tr>"
            + "".join(f"<th>{esc(h)}</th>" for h in head) + f"</tr></thead><tbody>{body}"
            "</tbody></table>")


def answer_section(page):
    reports, rows = page.reports, []
    for group in page.groups:
        cell = group.cells.get(group.winner)
        if cell is None:
            rows.append(f'<tr><td><a href="#{group.anchor}">{esc(group.label)}</a></td>'
                        f'<td colspan="4">{esc(answer.no_winner_text(group))}</td></tr>')
            continue
        margin = "" if not group.runner_up else (
            f"clearly ahead of {esc(group.runner_up)}" if group.clear
            else f"within the spread of {esc(group.runner_up)}")
        over = ' <span class="warn">‡ oversubscribed</span>' if cell.oversubscribed else ""
        rows.append(f'<tr><td><a href="#{group.anchor}">{esc(group.label)}</a></td>'
                    f"<td>{swatch(group.winner)}</td><td class=\"num\"><strong>"
                    f"{cell.speedup[1]:.2f}x</strong> [{cell.speedup[0]:.2f}-{cell.speedup[2]:.2f}]"
                    f"</td><td>{esc(cell.shape)}{over}</td><td>{margin}</td></tr>")
    runs = reports.runs
    env = dict(zip(reports.environment.key, reports.environment.value))
    machine = f" on {esc(env.get('cpu_model', 'an unknown CPU'))}, " \
              f"{esc(env.get('cores_online', '?'))} cores" if env else ""
    notice = ""
    if page.warnings:
        notice = (f'<p class="warn">{len(page.warnings)} warning(s) below: '
                  + esc("; ".join(sorted({w.kind for w in page.warnings})))
                  + ' (<a href="#warnings">read them</a> before trusting a number).</p>')
    lesson = answer.lesson_rows(reports)
    body = (f"<p>{len(runs)} runs in {len(page.groups)} kernel groups{machine}: "
            f"<strong>{esc(answer.tally(page.groups))}</strong>. The fastest model of each "
            "group (its best shape), as speedup over the group's serial run; interval: "
            f"{esc(interval.METHOD)}.</p>{notice}"
            + (_verdict_table(lesson) if lesson else "")
            + '<table class="compact answer"><thead><tr><th>kernel group</th><th>winner</th>'
            "<th>speedup [interval]</th><th>shape</th><th>margin</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")
    return [Section("answer", "The answer", body)]


def warnings_section(page):
    if not page.warnings:
        body = ("<p>None: every run finished, none is oversubscribed, no run's repetitions "
                f"vary by more than {answer.NOISY_SPREAD}x.</p>")
    else:
        body = "<ul>" + "".join(f'<li class="w-{esc(w.kind)}"><strong>{esc(w.kind)}</strong>: '
                                f"{esc(w.text)}</li>" for w in page.warnings) + "</ul>"
    return [Section("warnings", "Warnings", body)]


def matrix_section(page):
    models = answer.model_order([m for g in page.groups for m in g.cells])
    reach = answer_plots.colour_reach(page.groups)
    head = "<th>kernel group</th>" + "".join(f"<th>{swatch(m)}</th>" for m in models)
    rows = []
    for group in page.groups:
        cells = []
        for model in models:
            cell = group.cells.get(model)
            if cell is None:
                cells.append('<td class="none">-</td>')
                continue
            if not cell.measured:
                text = [seconds_text(cell.run.median_s), "no serial", esc(cell.shape)] \
                    if cell.run is not None else []
                if cell.failed:
                    text.append(f"{cell.failed} failed")
                cells.append(f'<td class="none">{"<br>".join(text) or "-"}</td>')
                continue
            colour, dark = answer_plots.speedup_colour(cell.speedup[1], reach)
            classes = " ".join(c for c in ("win" if model == group.winner else "",
                                           "dark" if dark else "") if c)
            marks = cell.marks + (
                f" ({cell.failed} failed)" if cell.failed else "")
            cells.append(f'<td class="{classes}" style="background:{colour}">'
                         f"<strong>{cell.speedup[1]:.2f}x</strong><br>"
                         f"[{cell.speedup[0]:.2f}-{cell.speedup[2]:.2f}]<br>"
                         f"{esc(cell.shape)}{marks}</td>")
        rows.append(f'<tr><th><a href="#{group.anchor}">{esc(group.label)}</a></th>'
                    + "".join(cells) + "</tr>")
    images = "".join(f"<details><summary>the winner matrix as a PNG (for slides)</summary>"
                     f"{figure(info, data, 'the winner matrix')}</details>"
                     for info, data in page.take("matrix"))
    body = ("<p>Rows: kernel groups; columns: models; each cell the model's best shape: "
            "speedup over serial [interval], ranks x threads. Blue faster, red slower than "
            f"serial (log scale, saturating at {2 ** reach:.3g}x); the row's winner is boxed; "
            "‡: that run is oversubscribed, (‡): another shape of the model was.</p>"
            f'<table class="matrix"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            f"</tbody></table>{images}")
    return [Section("matrix", "Winner matrix", body)]


def group_sections(page):
    out = [Section("groups", "Kernel groups", "<p>Per group: where the time went and how it "
                                              "scales; more plots under each.</p>")]
    for group in page.groups:
        main = page.take("why", group.key) + page.take("strong", group.key)
        more = page.take(None, group.key)
        body = (f'<p class="why">{esc(group.explanation)}.</p>'
                '<div class="row">' + "".join(figure(i, d) for i, d in main) + "</div>")
        if more:
            body += ("<details><summary>more plots of this group</summary>"
                     + "".join(figure(i, d) for i, d in more) + "</details>")
        out.append(Section(group.anchor, group.label, body, level=3))
    return out


def other_plots_section(page):
    rest = page.take(None, any_group=True)
    if not rest:
        return []
    return [Section("more-plots", "More plots", '<div class="row">'
                    + "".join(figure(i, d) for i, d in rest) + "</div>")]


ENVIRONMENT_KEYS = ["cpu_model", "cores_online", "world_size", "nodes", "rank0_cpus",
                    "omp_proc_bind", "omp_num_places", "env_OMP_PROC_BIND", "env_OMP_PLACES",
                    "env_OMP_NUM_THREADS", "env_OMP_WAIT_POLICY", "mpi_library_version",
                    "mpi_thread_level", "openmp_version", "compiler", "compiler_flags",
                    "hdf5_version", "openblas_config", "parlab_version", "git_sha",
                    "slurm_job_id", "slurm_job_nodelist"]
# Per-run placement columns another module may add to the runs table.
PLACEMENT_COLUMNS = ["placement", "binding", "cpu_sets"]


def environment_section(page):
    reports, parts = page.reports, []
    for status in reports.status.itertuples():
        env = reports.environment[reports.environment.report == status.report]
        values = dict(zip(env.key, env.value))
        rows = [("report", status.report), ("status", status.status),
                ("runs", f"{status.runs} found, {status.runs_planned or '?'} planned"),
                ("created / finished (UTC)", f"{status.created_utc} / {status.finished_utc}")]
        rows += [(k, values[k]) for k in ENVIRONMENT_KEYS if values.get(k)]
        rows += [(k, v) for k, v in values.items() if k.startswith("io_probe") and v]
        parts.append('<table class="compact kv">' + "".join(
            f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows) + "</table>")
    runs = reports.runs
    shapes = runs.groupby(["ranks", "threads", "nodes"]).agg(
        runs=("run", "size"), oversubscribed=("oversubscribed", "max")).reset_index()
    extra = [c for c in PLACEMENT_COLUMNS if c in runs.columns]
    placement = "".join(
        f"<tr><td>{r.nodes} x {-(-r.ranks // r.nodes)} x {r.threads}</td><td>{r.runs}</td>"
        f"<td>{'yes' if r.oversubscribed else 'no'}</td>"
        + "".join("<td>" + esc(", ".join(sorted(set(map(str, runs[(runs.ranks == r.ranks) & (
            runs.threads == r.threads)][c]))))) + "</td>" for c in extra) + "</tr>"
        for r in shapes.itertuples())
    body = ("".join(parts) + "<h3 id=\"placement\">Placement</h3><table class=\"compact\">"
            "<thead><tr><th>nodes x ranks/node x threads</th><th>runs</th>"
            "<th>oversubscribed</th>" + "".join(f"<th>{esc(c)}</th>" for c in extra)
            + f"</tr></thead><tbody>{placement}</tbody></table>")
    return [Section("environment", "Environment and placement", body)]


SORT_KEYS = {"median (min-max)": "median_s", "rate": "rate", "speedup": "speedup",
             "efficiency": "efficiency", "karp-flatt": "karp_flatt"}


def samples_csv(reports, run):
    """The run's raw samples as CSV: one line per repetition and rank."""
    samples, columns = reports.samples(run), reports.columns(run)
    lines = [",".join(["repetition", "rank"] + [f"{c}_s" for c in columns])]
    for rep in range(samples.shape[0]):
        for rank in range(samples.shape[1]):
            lines.append(",".join([str(rep), str(rank)] + [repr(float(v))
                                                          for v in samples[rep, rank]]))
    return "\n".join(lines) + "\n"


def table_section(page):
    import base64

    reports = page.reports
    ordered = reports.runs.sort_values("nodes", kind="stable")
    table = summary.rows(ordered, reports.ceilings)  # with % of peak and of memory bandwidth
    columns = ["run"] + list(summary.COLUMNS) + ["raw samples"]
    head = "".join(f'<th><button type="button">{esc(c)}</button></th>' for c in columns)
    body = []
    for run, row in zip(ordered.itertuples(), table):
        cells = [f"<td>{esc(run.run)}</td>"]
        for name, value in zip(summary.COLUMNS, row):
            key = SORT_KEYS.get(name)
            number = getattr(run, key) if key else None
            sort = f' data-sort="{number!r}"' if isinstance(number, float) and \
                math.isfinite(number) else ""
            cells.append(f"<td{sort}>{esc(value)}</td>")
        csv = base64.b64encode(samples_csv(reports, run).encode()).decode()
        name = f"{os.path.splitext(os.path.basename(run.report))[0]}-{run.run}.csv"
        cells.append(f'<td><a download="{esc(name)}" href="data:text/csv;base64,{csv}">CSV</a>'
                     "</td>")
        flag = ' class="over"' if run.oversubscribed else ""
        body.append(f"<tr{flag}>" + "".join(cells) + "</tr>")
    filter_box = ('<p id="filter-row" hidden><label>Filter rows: <input id="filter" '
                  'type="search" placeholder="e.g. counter threads"></label></p>')
    return [Section("runs", "All runs", "<p>Every run, recomputed from its raw per-rank "
                    "samples; click a header to sort; shaded rows are oversubscribed; the "
                    "CSV link holds the run's raw samples (repetition x rank x phase, "
                    f"seconds).</p>{filter_box}"
                    f'<table id="runs-table" class="runs"><thead><tr>{head}</tr></thead>'
                    f"<tbody>{''.join(body)}</tbody></table>")]
