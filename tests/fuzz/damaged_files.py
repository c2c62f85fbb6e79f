#!/usr/bin/python3
"""Damaged journals and reports, replayed through parlab (issue 13): a corpus of journals
with broken lines, wrong types, short or NaN or negative samples, unknown statuses, huge
numbers and binary junk goes through `parlab run --resume --dry-run`, and a corpus of
damaged reports (truncated, junk, wrong attribute types, not HDF5, devices) through
`parlab status`. Every input must end in exit 0 or one clear `parlab: error:` line (or,
for status, its documented codes); never a crash, a hang or a sanitizer report.
usage: damaged_files.py PARLAB SEED_JOURNAL_DIR [--sample N] [--corpus DIR]
  --sample N: replay every Nth damaged journal through parlab (each start costs an MPI
              initialisation); --corpus DIR: also write every damaged journal to DIR, for
              the libFuzzer journal harness to replay in one process."""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

arguments = argparse.ArgumentParser()
arguments.add_argument("parlab")
arguments.add_argument("seed_dir")
arguments.add_argument("--sample", type=int, default=1)
arguments.add_argument("--corpus")
args = arguments.parse_args()
parlab, seed_dir = args.parlab, args.seed_dir
rng = random.Random(13)
CONFIG = """[experiment]
repetitions = 2
[[run]]
kernel = "montecarlo"
models = ["serial", "processes"]
ranks = [1, 2]
size = [1000, 2000]
"""
SANITIZER = ("AddressSanitizer", "UndefinedBehaviorSanitizer", "runtime error:", "LeakSanitizer")
JUNK = [None, "banana", -1, 0, 1e308, -1e308, [], {}, True, "", "\u0000", [None], [[1]], 2**63]


def damaged_records(record):
    for key in list(record):
        for value in JUNK:
            damaged = json.loads(json.dumps(record))
            damaged[key] = value
            yield damaged
        damaged = dict(record)
        del damaged[key]
        yield damaged
    for index in (0, -1):
        for value in (None, -0.5, "x", 1e308):
            damaged = json.loads(json.dumps(record))
            if damaged["samples"]:
                damaged["samples"][index] = value
                yield damaged


def journals(seed_lines):
    header, entries = seed_lines[0], [json.loads(line) for line in seed_lines[1:] if line]
    for entry in entries:
        for record in damaged_records(entry["record"]):
            yield header + "\n" + json.dumps(dict(entry, record=record)) + "\n" + "\n"
    for _ in range(200):
        lines = list(seed_lines)
        line = rng.randrange(len(lines))
        text = lines[line]
        cut = rng.randrange(len(text) + 1)
        lines[line] = text[:cut] + rng.choice(["", "}", "\x00\xff", "9" * 400, '"', "]", "\n"]) + text[cut:]
        yield "\n".join(lines)
    yield ""
    yield header + "\n"
    yield header + "\n" + '{"id": "run-0001", "run": 1, "record": {}}' * 3 + "\n"
    yield bytes(rng.randrange(256) for _ in range(4096)).decode("latin-1")


def reports(directory, good):
    def variant(name, edit):
        path = os.path.join(directory, name)
        shutil.copy(good, path)
        with h5py.File(path, "a") as handle:
            edit(handle)
        return path
    yield variant("status-int.h5", lambda h: h.attrs.__setitem__("status", 7))
    yield variant("status-array.h5", lambda h: h.attrs.__setitem__("status", np.array([1.0, 2.0])))
    yield variant("no-status.h5", lambda h: h.attrs.__delitem__("status"))
    yield variant("no-runs.h5", lambda h: h.__delitem__("runs"))
    yield variant("run-status-int.h5", lambda h: h["runs/run-0001"].attrs.__setitem__("status", 3))
    yield variant("runs-a-dataset.h5", lambda h: (h.__delitem__("runs"), h.create_dataset("runs", data=[1])))
    data = open(good, "rb").read()
    for size in (0, 8, 512, len(data) // 2, len(data) - 1):
        path = os.path.join(directory, f"truncated-{size}.h5")
        open(path, "wb").write(data[:size])
        yield path
    path = os.path.join(directory, "junk.h5")
    open(path, "wb").write(bytes(rng.randrange(256) for _ in range(65536)))
    yield path
    yield "/dev/null"
    yield directory
    os.mkfifo(os.path.join(directory, "fifo.h5"))
    yield os.path.join(directory, "fifo.h5")


def check(command, text, allowed_codes, problems):
    result = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=120)
    errors = [line for line in result.stderr.splitlines() if line.startswith("parlab:")]
    bad = (result.returncode not in allowed_codes or any(s in result.stderr for s in SANITIZER)
           or (result.returncode == 2 and len(errors) != 1))
    if bad:
        problems.append(f"exit {result.returncode} for {text}: {result.stderr.strip()[-500:]}")


def main():
    problems = []
    with tempfile.TemporaryDirectory() as work:
        config = os.path.join(work, "exp.toml")
        open(config, "w").write(CONFIG)
        report = os.path.join(work, "report.h5")
        seed = open(os.path.join(seed_dir, "three-runs.journal")).read().splitlines()
        count = 0
        if args.corpus:
            os.makedirs(args.corpus, exist_ok=True)
        for number, text in enumerate(journals(seed)):
            if args.corpus:
                with open(os.path.join(args.corpus, f"damaged-{number:05d}.journal"), "w",
                          encoding="latin-1") as handle:
                    handle.write(text)
            if number % args.sample:
                continue
            with open(report + ".journal", "w", encoding="latin-1") as handle:
                handle.write(text)
            check([parlab, "run", config, "-o", report, "--resume", "--dry-run"],
                  f"journal {text[:120]!r}", {0, 2}, problems)
            count += 1
        good = os.path.join(work, "good.h5")
        serial = os.path.join(work, "serial.toml")
        open(serial, "w").write(CONFIG.replace('["serial", "processes"]', '["serial"]'))
        subprocess.run([parlab, "run", serial, "-o", good, "-q"], check=True, capture_output=True)
        reports_checked = 0
        for path in reports(work, good):
            check([parlab, "status", path], f"report {path}", {0, 1, 2, 4, 5}, problems)
            reports_checked += 1
    for problem in problems[:20]:
        print(problem)
    print(f"{count} damaged journals and {reports_checked} damaged reports through parlab: "
          f"{len(problems)} problems")
    print("FAIL" if problems else "PASS")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
