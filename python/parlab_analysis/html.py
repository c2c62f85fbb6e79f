"""`html REPORT... -o report.html`: one self-contained page that opens with the answer
(the winner per kernel group), then the warnings, the winner matrix, one section per
group (why, scaling), the environment and placement, and the full table (sortable,
filterable, raw samples as CSV). Images are embedded PNGs; the small script only sorts
and filters, the page reads fully without it."""
import base64
import html
import importlib
import tempfile

from . import answer, files, html_sections, plot
from .report import load

# Section builders in page order: `(Page) -> [Section]`. Another module's builder is
# listed by "module:function" (imported when the page is built), e.g. "roofline:section".
SECTIONS = [html_sections.answer_section, html_sections.warnings_section,
            html_sections.matrix_section, html_sections.group_sections,
            html_sections.other_plots_section, html_sections.environment_section,
            html_sections.table_section]

STYLE = """
body{font-family:sans-serif;margin:0 1.5em 2em;max-width:1360px;line-height:1.35;color:#222}
h1{font-size:1.35em;margin:.5em 0 .2em}h2{border-bottom:1px solid #ccc;margin-top:1.4em}
nav{font-size:90%;margin:.2em 0 .6em}nav a{margin-right:.8em}.meta{color:#555;font-size:90%;margin:0}
table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;padding:2px 6px}
th{background:#f4f4f4;text-align:left}.num{text-align:right;white-space:nowrap}
table.answer td{padding:3px 8px}.sw{display:inline-block;width:.8em;height:.8em;margin-right:.3em;vertical-align:baseline}
.warn,.w-failed,.w-partial{color:#a40000}table.matrix td{text-align:center;min-width:7em}
table.matrix td.win{outline:3px solid #000;outline-offset:-3px}table.matrix td.dark{color:#fff}
table.matrix td.none{background:#eee;color:#777}.row{display:flex;flex-wrap:wrap;gap:1em}
figure{margin:.5em 0}img{max-width:100%}figcaption{font-size:80%;color:#555}
.runs td{white-space:nowrap}.runs td:nth-child(n+4){text-align:right}.runs tr.over td{background:#fff7e0}
th button{font:inherit;border:0;background:none;padding:0;cursor:pointer;font-weight:bold}
th[aria-sort=ascending] button::after{content:" \\25B2"}th[aria-sort=descending] button::after{content:" \\25BC"}
.v-holds{color:#0a6e0a}.v-hold{color:#a40000}.why{font-size:105%}
"""

# Sorting by a header click (numbers by data-sort, else text) and filtering by a substring.
SCRIPT = """
(function(){var t=document.getElementById('runs-table');if(!t)return;
var b=t.tBodies[0],hs=t.tHead.rows[0].cells;
function key(r,i){var c=r.cells[i],s=c.getAttribute('data-sort');
return s!==null?parseFloat(s):c.textContent.trim().toLowerCase();}
Array.prototype.forEach.call(hs,function(h,i){h.querySelector('button').addEventListener('click',function(){
var up=h.getAttribute('aria-sort')!=='ascending';
Array.prototype.forEach.call(hs,function(o){o.removeAttribute('aria-sort');});
h.setAttribute('aria-sort',up?'ascending':'descending');
var rows=Array.prototype.slice.call(b.rows);
rows.sort(function(x,y){var a=key(x,i),c=key(y,i),n=typeof a==='number'&&typeof c==='number';
var d=n?a-c:String(a).localeCompare(String(c),undefined,{numeric:true});return up?d:-d;});
rows.forEach(function(r){b.appendChild(r);});});});
var f=document.getElementById('filter');if(!f)return;
document.getElementById('filter-row').hidden=false;
f.addEventListener('input',function(){var words=f.value.toLowerCase().split(/\\s+/).filter(Boolean);
Array.prototype.forEach.call(b.rows,function(r){var text=r.textContent.toLowerCase();
r.hidden=!words.every(function(w){return text.indexOf(w)>=0;});});});})();
"""


def _builders():
    for builder in SECTIONS:
        if isinstance(builder, str):
            module, name = builder.split(":")
            builder = getattr(importlib.import_module(f".{module}", __package__), name)
        yield builder


def _images(reports):
    with tempfile.TemporaryDirectory() as scratch:
        images = []
        for info in plot.make_plots(reports, scratch):
            with open(info["path"], "rb") as handle:
                images.append((info, base64.b64encode(handle.read()).decode()))
    return images


def page(paths):
    reports = load(paths)
    group_list = answer.groups(reports)
    context = html_sections.Page(reports, group_list, answer.warnings(reports, group_list),
                                 _images(reports))
    sections = [s for builder in _builders() for s in builder(context)]
    toc = "".join(f'<a href="#{s.anchor}">{html.escape(s.title)}</a>' for s in sections
                  if s.level == 2)
    content = "".join(f'<section id="{s.anchor}"><h{s.level}>{html.escape(s.title)}'
                      f"</h{s.level}>{s.body}</section>" for s in sections)
    names = ", ".join(html.escape(p) for p in paths)
    experiments = ", ".join(html.escape(e) for e in dict.fromkeys(reports.status.experiment))
    # Unfinished reports are named with their status; complete ones need no word.
    unfinished = [f"{s.report}: {s.status}" for s in reports.status.itertuples()
                  if s.status != "complete"]
    statuses = html.escape("; ".join(unfinished) if unfinished else "complete")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>parlab report: {experiments}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{STYLE}</style></head>
<body><header><h1>parlab: {experiments}</h1><p class="meta">{names} ({statuses}). Every figure
is recomputed from the raw per-rank samples.</p><nav>{toc}</nav></header>
<main>{content}</main><script>{SCRIPT}</script></body></html>
"""


def add_parser(subparsers):
    parser = subparsers.add_parser("html", help="self-contained HTML page that opens with "
                                                "the answer")
    parser.add_argument("reports", nargs="+")
    parser.add_argument("-o", "--output", required=True)
    parser.set_defaults(run=run)


def run(args):
    files.check_output(args.output, inputs=args.reports)  # before the work of the page
    files.write_text(args.output, page(args.reports), inputs=args.reports)
    print(args.output)
    return 0
