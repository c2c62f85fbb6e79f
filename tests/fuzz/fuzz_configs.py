#!/usr/bin/python3
"""Config fuzzing, end to end: thousands of mutated experiment files (truncated, wrong
types, huge / negative / zero numbers, unknown keys, duplicate tables, non-UTF-8 bytes,
1 MB lines, exploding sweeps) go to `parlab validate` (all in one process) and a sample to
`parlab run --dry-run`. Every input must end with exit 0 or one clear error line; no
crash, hang or sanitizer report.
usage: fuzz_configs.py PARLAB CONFIG_DIR [COUNT] [SEED]"""
import glob
import os
import random
import re
import subprocess
import sys
import tempfile

parlab, config_dir = sys.argv[1], sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 2026)
seeds = [open(p, "rb").read() for p in sorted(glob.glob(os.path.join(config_dir, "*.toml")))]

NUMBERS = [b"0", b"-1", b"-9223372036854775808", b"9223372036854775807", b"1e308", b"-0.0",
           b"nan", b"inf", b"3.5", b"99999999999999999999", b"0x7fffffff", b"1_000_000_000_000"]
VALUES = NUMBERS + [b'"x"', b"true", b"[]", b"[1, [2]]", b"{ a = 1 }", b'"\\u0000"', b"[" + b"1," * 5000 + b"1]"]
KEYS = [b"kernel", b"models", b"size", b"ranks", b"threads", b"repetitions", b"warmups",
        b"min_time", b"variant", b"impl", b"io_stage", b"nonsense", b"size.x", b'"quoted key"']


def mutate(text):
    lines = text.split(b"\n")
    kind = rng.randrange(12)
    if kind == 0:  # truncate anywhere
        return text[: rng.randrange(len(text) + 1)]
    if kind == 1:  # a number becomes something odd
        return re.sub(rb"\b\d[\d_]*\b", lambda m: rng.choice(NUMBERS) if rng.random() < 0.3 else m.group(0), text)
    if kind == 2:  # a value of the wrong type
        i = rng.randrange(len(lines))
        if b"=" in lines[i]:
            lines[i] = lines[i].split(b"=")[0] + b"= " + rng.choice(VALUES)
        return b"\n".join(lines)
    if kind == 3:  # an unknown or repeated key
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(KEYS) + b" = " + rng.choice(VALUES))
        return b"\n".join(lines)
    if kind == 4:  # duplicate tables
        return text + b"\n[experiment]\nname = \"again\"\n" + (b"[[run]]\n" if rng.random() < 0.5 else b"")
    if kind == 5:  # non-UTF-8 bytes
        i = rng.randrange(len(text) + 1)
        return text[:i] + bytes(rng.randrange(128, 256) for _ in range(rng.randrange(1, 8))) + text[i:]
    if kind == 6:  # a 1 MB line
        return text + b"\n# " + b"x" * (1 << 20) + b"\n" + (b'name = "' + b"y" * (1 << 20) + b'"' if rng.random() < 0.5 else b"")
    if kind == 7:  # exploding sweeps
        return text + b"\n[[run]]\nkernel = \"counter\"\nsize = [" + b",".join(str(i).encode() for i in range(1, 2000)) + b"]\nvariant = [\"mutex\", \"atomic\", \"racy\"]\nthreads = [" + b",".join(str(i).encode() for i in range(1, 60)) + b"]\n"
    if kind == 8:  # delete or swap lines
        if len(lines) > 1:
            del lines[rng.randrange(len(lines))]
        rng.shuffle(lines) if rng.random() < 0.3 else None
        return b"\n".join(lines)
    if kind == 9:  # random bytes
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300)))
    if kind == 10:  # deep nesting
        return text + b"\nx = " + b"[" * 2000 + b"]" * 2000 + b"\n"
    return b"\n".join(l for l in lines if rng.random() < 0.9)  # drop lines at random


def main():
    work = tempfile.mkdtemp(prefix="parlab-fuzz-")
    paths = []
    for i in range(count):
        data = rng.choice(seeds)
        for _ in range(rng.randrange(1, 4)):
            data = mutate(data)
        path = os.path.join(work, f"case-{i:05d}.toml")
        open(path, "wb").write(data)
        paths.append(path)
    outcomes = {"valid": 0, "error": 0}
    problems = []
    for start in range(0, len(paths), 500):
        batch = paths[start:start + 500]
        try:
            result = subprocess.run([parlab, "validate", *batch], capture_output=True, timeout=300)
        except subprocess.TimeoutExpired:
            problems.append(f"validate of cases {start}..{start + len(batch)} hung")
            continue
        out = result.stdout.decode("utf-8", "replace").splitlines()
        err = result.stderr.decode("utf-8", "replace").splitlines()
        if result.returncode not in (0, 2):
            problems.append(f"validate exited {result.returncode} on cases from {start}")
        if any(s in l for l in err for s in ("AddressSanitizer", "runtime error:", "Segmentation", "terminate called")):
            problems.append(f"sanitizer or crash output in cases from {start}: {err[:3]}")
        errors = [l for l in err if l.startswith("parlab: error: ")]
        if len(errors) != len(err):
            problems.append(f"cases from {start}: an error spans more than one line: "
                            f"{[l for l in err if not l.startswith('parlab: error: ')][:2]}")
        if len(out) + len(errors) != len(batch):
            problems.append(f"cases from {start}: {len(out)} valid + {len(errors)} error lines for {len(batch)} files")
        outcomes["valid"] += len(out)
        outcomes["error"] += len(errors)
    dry = {"ok": 0, "error": 0}
    for path in rng.sample(paths, min(40, len(paths))):
        try:
            result = subprocess.run([parlab, "run", path, "--dry-run"], capture_output=True, timeout=60)
        except subprocess.TimeoutExpired:
            problems.append(f"run --dry-run hung on {path}")
            continue
        err = [l for l in result.stderr.decode("utf-8", "replace").splitlines() if l.strip()]
        if result.returncode == 0:
            dry["ok"] += 1
        elif result.returncode == 2 and len(err) == 1 and err[0].startswith("parlab: error: "):
            dry["error"] += 1
        else:
            problems.append(f"run --dry-run on {path}: exit {result.returncode}, stderr {err[:2]}")
    print(f"fuzzed {count} configs: validate {outcomes['valid']} valid, {outcomes['error']} clear errors; "
          f"run --dry-run on 40: {dry['ok']} ok, {dry['error']} clear errors")
    for problem in problems[:20]:
        print("FAIL:", problem)
    if not problems:
        subprocess.run(["rm", "-rf", work])
        print("PASS")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
