"""`db`: the SQLite results history. Adding a report twice changes nothing; a trend over
three reports has three points; `db compare` is the same gate as `compare`; a corrupt,
foreign or newer database is one clear error line and is left untouched. Issue 21, point 5."""
import hashlib
import os
import sqlite3

import pytest

from helpers import analyze, bad, process
from parlab_analysis import db, history
from synthetic import write_report


def week(tmp_path, day, times, sha="abc123"):
    """One weekly check: a stencil run on 2 ranks (processes), plus a serial baseline."""
    path = tmp_path / f"week-{day}.h5"
    common = dict(kernel="stencil", params="halo=1", size=64)
    write_report(path, [dict(common, model="serial", ranks=1, threads=1, cell_times=[2.0] * 5),
                        dict(common, model="processes", ranks=2, threads=1, cell_times=times,
                             phases={"compute": 0.8, "comm": 0.1})],
                 root={"status": "complete", "created_utc": f"2026-03-{day:02d}T06:00:00Z",
                       "git_sha": sha})
    return str(path)


def digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def rows(path, table):
    with sqlite3.connect(path) as connection:
        return connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_adding_a_report_twice_is_a_no_op(tmp_path):
    database = tmp_path / "results.db"
    report = week(tmp_path, 1, [1.0, 1.1, 0.9])
    first = analyze("db", "add", report, "--db", database)
    assert first.returncode == 0 and "added as report 1" in first.stdout, first.stderr
    counts = {t: rows(database, t) for t in ("reports", "runs", "repetitions", "run_phases")}
    assert counts == {"reports": 1, "runs": 2, "repetitions": 8, "run_phases": 18}
    before = digest(database)
    second = analyze("db", "add", report, "--db", database)
    assert second.returncode == 0 and "already stored as report 1" in second.stdout
    assert digest(database) == before  # not a byte changed
    copy = tmp_path / "copy.h5"
    copy.write_bytes(open(report, "rb").read())
    assert "already stored as report 1" in analyze("db", "add", copy, "--db", database).stdout


def test_the_database_comes_from_PARLAB_DB_or_db(tmp_path):
    report = week(tmp_path, 1, [1.0, 1.1, 0.9])
    bad(analyze("db", "add", report, env={"PARLAB_DB": ""}), "give --db PATH or set PARLAB_DB")
    database = tmp_path / "env.db"
    assert analyze("db", "add", report, env={"PARLAB_DB": str(database)}).returncode == 0
    assert rows(database, "reports") == 1
    bad(analyze("db", "list", "--db", tmp_path / "none.db"), "no such results database")


def test_a_trend_of_three_reports_has_three_points(tmp_path):
    database = tmp_path / "results.db"
    reports = [week(tmp_path, 15, [1.2, 1.3, 1.25]), week(tmp_path, 1, [1.0, 1.1, 0.9]),
               week(tmp_path, 8, [1.05, 1.0, 1.1], sha="def456")]
    assert analyze("db", "add", *reports, "--db", database).returncode == 0
    plot = tmp_path / "trend.png"
    result = analyze("db", "trend", "--db", database, "--kernel", "stencil", "--model",
                     "processes", "--shape", "2x1", "--plot", plot)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 + 3 + 1  # header, three points, the plot's path
    assert [line.split()[1] for line in lines[1:4]] == [  # oldest first
        "2026-03-01T06:00:00Z", "2026-03-08T06:00:00Z", "2026-03-15T06:00:00Z"]
    assert [float(line.split()[-1]) for line in lines[1:4]] == [1.0, 1.05, 1.25]
    assert open(plot, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    with db.connect(str(database)) as connection:
        points = history.trend(connection, "stencil", "processes", "2x1", "phase:comm")
        info = history.plot_trend(points, "phase:comm", "t", str(tmp_path / "comm.png"))
    assert info["points"] == 3 and info["series"] == 1
    assert list(points.value) == pytest.approx([0.1, 0.105, 0.125])
    bad(analyze("db", "trend", "--db", database, "--kernel", "stencil", "--model", "threads",
                "--shape", "1x2"), "no stored run of stencil threads 1x2")
    bad(analyze("db", "trend", "--db", database, "--kernel", "stencil", "--model", "processes",
                "--shape", "2by1"), "shape must be RANKSxTHREADS")
    bad(analyze("db", "trend", "--db", database, "--kernel", "stencil", "--model", "processes",
                "--shape", "2x1", "--metric", "speed"), "unknown metric 'speed'")


def test_db_compare_is_the_regression_gate(tmp_path):
    database = tmp_path / "results.db"
    base = week(tmp_path, 1, [1.0, 1.01, 0.99, 1.02, 1.0, 0.98])
    slower = week(tmp_path, 8, [1.3, 1.31, 1.29, 1.32, 1.3, 1.28])
    same = week(tmp_path, 15, [1.0, 1.02, 0.98, 1.01, 0.99, 1.0])
    assert analyze("db", "add", base, slower, same, "--db", database).returncode == 0
    result = process("db", "compare", "1", "2", "--db", database)
    assert result.returncode == 1 and "worse" in result.stdout and "+30.0%" in result.stdout
    direct = process("compare", base, slower)  # the same numbers straight from the reports
    assert direct.stdout.splitlines()[2:] == result.stdout.splitlines()[2:]
    assert process("db", "compare", "1", "3", "--db", database).returncode == 0
    identity = analyze("db", "list", "--db", database).stdout.splitlines()[1].split()[-1]
    assert analyze("db", "compare", identity[:8], "3", "--db", database).returncode == 0
    bad(analyze("db", "compare", "1", "9", "--db", database), "report '9': not in the database")


def foreign_files(tmp_path):
    """Files a results database must not be: each with the error it must give."""
    text = tmp_path / "notes.db"
    text.write_text("my notes, not a database")
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE customers (name TEXT)")
    stranger = tmp_path / "stranger.db"
    with sqlite3.connect(stranger) as connection:
        connection.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        connection.execute("INSERT INTO meta VALUES ('application', 'someone else')")
    newer = tmp_path / "newer.db"
    assert analyze("db", "add", week(tmp_path, 1, [1.0]), "--db", newer).returncode == 0
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    return {text: "is not an SQLite database", corrupt: "corrupt",
            other: "not a parlab results database (no meta table",
            stranger: "of something else (application 'someone else'",
            newer: "schema version 7 is newer than this tool (it reads 1",
            empty: "is an empty file", tmp_path: "is a directory"}


@pytest.mark.parametrize("action", ["add", "list", "trend", "compare"])
def test_a_corrupt_or_foreign_database_is_one_line_and_left_untouched(tmp_path, action):
    report = week(tmp_path, 2, [1.0, 1.1])
    for path, fragment in foreign_files(tmp_path).items():
        before = digest(path) if os.path.isfile(path) else None
        args = {"add": [report], "list": [], "compare": ["1", "2"],
                "trend": ["--kernel", "k", "--model", "m", "--shape", "1x1"]}[action]
        bad(analyze("db", action, *args, "--db", path), fragment)
        if before is not None:
            assert digest(path) == before, path
    assert not [p for p in os.listdir(tmp_path) if p.endswith((".tmp", "-journal"))]


def test_a_bad_report_adds_nothing(tmp_path):
    database = tmp_path / "results.db"
    good = week(tmp_path, 1, [1.0])
    broken = tmp_path / "broken.h5"
    broken.write_text("not hdf5")
    bad(analyze("db", "add", good, broken, "--db", database), "not an HDF5 file")
    assert not database.exists()  # everything is checked before the database is touched
