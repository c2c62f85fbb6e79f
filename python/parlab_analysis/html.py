"""`html REPORT... -o report.html`: one self-contained page, tables and plots embedded."""
import base64
import html
import os
import tempfile

from . import files, plot, summary
from .report import load


def page(paths):
    reports = load(paths)
    runs = reports.runs
    with tempfile.TemporaryDirectory() as scratch:
        images = []
        for info in plot.make_plots(reports, scratch):
            path = info["path"]
            with open(path, "rb") as handle:
                images.append((os.path.basename(path), base64.b64encode(handle.read()).decode()))
    table = summary.rows(runs, reports.ceilings)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in summary.COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in table)
    figures = "".join(f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{data}">'
                      f"<figcaption>{html.escape(name)}</figcaption></figure>"
                      for name, data in images)
    sources = ", ".join(html.escape(p) for p in paths)
    unfinished = "".join(f"<p><strong>{html.escape(r.report)}: {html.escape(r.status)}</strong>"
                         "</p>" for r in reports.status.itertuples()
                         if r.status.startswith(("partial", "incomplete")))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>parlab report: {sources}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;font-size:90%}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}td:first-child,th:first-child{{text-align:left}}
img{{max-width:100%}}figure{{display:inline-block;margin:1em}}</style></head>
<body><h1>parlab report</h1><p>{sources}: {len(runs)} runs. Every figure is recomputed from
the raw per-rank samples.</p>{unfinished}<h2>Summary</h2><table><tr>{head}</tr>{body}</table>
<h2>Plots</h2>{figures}</body></html>
"""


def add_parser(subparsers):
    parser = subparsers.add_parser("html", help="self-contained HTML page with tables and plots")
    parser.add_argument("reports", nargs="+")
    parser.add_argument("-o", "--output", required=True)
    parser.set_defaults(run=run)


def run(args):
    files.check_output(args.output, inputs=args.reports)  # before the work of the page
    files.write_text(args.output, page(args.reports), inputs=args.reports)
    print(args.output)
    return 0
