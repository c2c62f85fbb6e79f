"""The HTML page of a real report (PARLAB_TINY_REPORT, from the e2e tiny run) in a real
browser: Debian's chromium, headless. A copy of the page gets two small scripts
(browser_errors.js first, browser_check.js last) that record errors and, after the load
event, check the rendered DOM and write their findings into it; --dump-dom returns them.
Skipped only when chromium is absent."""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
from html.parser import HTMLParser

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
ANALYZE = os.path.join(HERE, "..", "..", "python", "parlab-analyze")

from parlab_analysis import answer  # noqa: E402
from parlab_analysis.report import load  # noqa: E402

REPORT = os.environ.get("PARLAB_TINY_REPORT", "")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTH, HEIGHT = 1400, 900

pytestmark = [pytest.mark.skipif(not CHROMIUM, reason="chromium is not installed (Debian: "
                                                      "apt-get install chromium)"),
              pytest.mark.skipif(not os.path.exists(REPORT),
                                 reason="PARLAB_TINY_REPORT not set (ctest sets it)")]


def chromium(tmp, *args):
    """chromium headless with a private profile; (stdout, stderr)."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               f"--user-data-dir={tmp}/profile", f"--window-size={WIDTH},{HEIGHT}",
               "--enable-logging=stderr", "--v=0", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240)
    return done.stdout, done.stderr


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    path = tmp / "report.html"
    done = subprocess.run(["/usr/bin/python3", ANALYZE, "html", REPORT, "-o", str(path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    source = path.read_text()
    with open(os.path.join(HERE, "browser_errors.js")) as handle:
        first = handle.read()
    with open(os.path.join(HERE, "browser_check.js")) as handle:
        last = handle.read()
    probe = tmp / "probe.html"
    probe.write_text(source.replace("<head>", f"<head><script>{first}</script>", 1)
                     .replace("</body>", f"<script>{last}</script></body>", 1))
    dom, log = chromium(tmp, "--virtual-time-budget=5000", "--dump-dom", probe.as_uri())
    # The last match: the script's own comment names the element too.
    found = re.findall(r'<pre id="browser-test">(\{.*?\})</pre>', dom, re.S)
    assert found, f"the check script left no result; chromium said: {log[-2000:]}"
    import html
    return dict(source=source, path=path, tmp=tmp, log=log,
                result=json.loads(html.unescape(found[-1])))


def test_the_answer_section_precedes_the_first_image_and_names_every_group(page):
    result = page["result"]
    assert result["answer"] and result["answerFirst"]
    assert result["answerRows"] == len(answer.groups(load(REPORT)))


def test_the_winner_of_every_group_is_on_the_first_screen(page):
    result = page["result"]
    assert 0 < result["answerBottom"] <= result["viewport"]


def test_every_image_decodes(page):
    result = page["result"]
    assert result["images"] == page["source"].count("<img ") > 0
    assert result["undecoded"] == []


def test_the_runs_table_sorts_when_its_header_is_clicked(page):
    result = page["result"]
    assert result["sortedUp"] and result["sortedDown"] and result["sortChanged"]
    assert result["ariaSort"] == "descending"
    assert result["filterShown"]  # shown only when the script runs


def test_no_console_error(page):
    assert page["result"]["errors"] == []
    console = [line for line in page["log"].splitlines() if ":CONSOLE" in line]
    assert not [line for line in console if re.search(r"rror|Uncaught|Failed", line)], console


class _Content(HTMLParser):
    """What a reader without JavaScript gets: the answer rows, the runs rows, and any
    reference to another resource."""

    def __init__(self):
        super().__init__()
        self.stack, self.answer_rows, self.run_rows, self.remote = [], 0, 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.stack.append(attrs.get("class", "") + " " + attrs.get("id", ""))
        if tag == "tr" and self.stack and "answer" in self.stack[-1]:
            self.answer_rows += 1
        if tag == "tr" and self.stack and "runs-table" in self.stack[-1]:
            self.run_rows += 1
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            if value and not value.startswith(("#", "data:")):
                self.remote.append(value)

    def handle_endtag(self, tag):
        if tag == "table" and self.stack:
            self.stack.pop()


def test_the_page_is_self_contained_and_reads_without_javascript(page):
    content = _Content()
    content.feed(page["source"])
    runs = load(REPORT).runs
    assert content.remote == []
    assert content.answer_rows == len(answer.groups(load(REPORT))) + 1  # + the header row
    assert content.run_rows == len(runs) + 1
    assert page["source"].count('href="data:text/csv;base64,') == len(runs)


def test_a_screenshot_of_the_first_screen(page):
    shot = page["tmp"] / "first-screen.png"
    chromium(page["tmp"], f"--screenshot={shot}", page["path"].as_uri())
    with open(shot, "rb") as handle:
        header = handle.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (WIDTH, HEIGHT)
    keep = os.environ.get("PARLAB_HTML_SCREENSHOT")
    if keep:
        shutil.copyfile(shot, keep)
