"""`db add|list|trend|compare`: a results history in an SQLite file (--db PATH or
PARLAB_DB). Reports are stored by identity (a hash of created_utc, git_sha and every run's
raw samples), so adding one twice changes nothing. The schema is versioned in a `meta`
table; a file that is not a parlab results database, or one of a newer schema, is refused
with one line and never modified (docs/python-api.md)."""
import contextlib
import datetime
import os
import sqlite3
import stat
import tempfile
import urllib.parse

from . import files
from .errors import AnalysisError

SCHEMA_VERSION = 1
APPLICATION = "parlab-analyze results"
MAGIC = b"SQLite format 3\x00"
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE reports (
  id INTEGER PRIMARY KEY, identity TEXT NOT NULL UNIQUE, path TEXT NOT NULL,
  experiment TEXT, status TEXT, created_utc TEXT, finished_utc TEXT, git_sha TEXT,
  parlab_version TEXT, cpu_model TEXT, added_utc TEXT NOT NULL);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY, report_id INTEGER NOT NULL REFERENCES reports(id),
  run TEXT NOT NULL, identity TEXT NOT NULL, kernel TEXT NOT NULL, label TEXT NOT NULL,
  model TEXT NOT NULL, ranks INTEGER NOT NULL, threads INTEGER NOT NULL,
  nodes INTEGER NOT NULL, size INTEGER NOT NULL, params TEXT NOT NULL, status TEXT NOT NULL,
  source_status TEXT, repetitions INTEGER NOT NULL, min_s REAL, median_s REAL, max_s REAL,
  rate REAL, rate_unit TEXT, speedup REAL, efficiency REAL, karp_flatt REAL,
  work_amount REAL, work_unit TEXT, rate_scale REAL, oversubscribed INTEGER,
  UNIQUE (report_id, run));
CREATE TABLE repetitions (
  run_id INTEGER NOT NULL REFERENCES runs(id), repetition INTEGER NOT NULL,
  cell_time_s REAL NOT NULL, PRIMARY KEY (run_id, repetition));
CREATE TABLE run_phases (
  run_id INTEGER NOT NULL REFERENCES runs(id), phase TEXT NOT NULL, median_s REAL NOT NULL,
  PRIMARY KEY (run_id, phase));
CREATE INDEX runs_by_cell ON runs (kernel, model, ranks, threads);
"""
RUN_FIELDS = ["run", "identity", "kernel", "label", "model", "ranks", "threads", "nodes", "size",
              "params", "status", "source_status", "repetitions", "min_s", "median_s", "max_s",
              "rate", "rate_unit", "speedup", "efficiency", "karp_flatt", "work_amount",
              "work_unit", "rate_scale", "oversubscribed"]


def database_path(args):
    path = args.db or os.environ.get("PARLAB_DB", "")
    if not path:
        raise AnalysisError("no results database: give --db PATH or set PARLAB_DB")
    return path


def _check_ours(path):
    """Refuses anything but a parlab results database of a schema this tool knows, without
    writing to it (read-only connection)."""
    info = files.check_input(path, "results database", limit=1 << 50)
    if info.st_size == 0:
        raise AnalysisError(f"{path}: is an empty file, not a parlab results database "
                            "(left untouched)")
    with open(path, "rb") as handle:
        if handle.read(len(MAGIC)) != MAGIC:
            raise AnalysisError(f"{path}: is not an SQLite database (a foreign or corrupt file: "
                                "left untouched)")
    uri = f"file:{urllib.parse.quote(os.path.abspath(path))}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as ro:
            if ro.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise AnalysisError(f"{path}: the SQLite database is corrupt (left untouched)")
            tables = {r[0] for r in ro.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "meta" not in tables:
                raise AnalysisError(f"{path}: is an SQLite database but not a parlab results "
                                    "database (no meta table; left untouched)")
            meta = dict(ro.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error as error:
        raise AnalysisError(f"{path}: corrupt or unreadable SQLite database ({error}; left "
                            "untouched)") from None
    if meta.get("application") != APPLICATION:
        raise AnalysisError(f"{path}: is an SQLite database of something else (application "
                            f"{meta.get('application')!r}; left untouched)")
    version = meta.get("schema_version", "")
    if not version.isdigit():
        raise AnalysisError(f"{path}: schema version {version!r} is not a number (left untouched)")
    if int(version) != SCHEMA_VERSION:
        newer = "newer than" if int(version) > SCHEMA_VERSION else "unknown to"
        raise AnalysisError(f"{path}: schema version {version} is {newer} this tool (it reads "
                            f"{SCHEMA_VERSION}; left untouched)")


def _create(path):
    """A new database: built in a private temporary file, then linked to `path` (which
    fails rather than replace anything that appeared meanwhile)."""
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise AnalysisError(f"{path}: directory {parent} does not exist")
    fd, scratch = tempfile.mkstemp(dir=parent, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    os.close(fd)
    try:
        with contextlib.closing(sqlite3.connect(scratch)) as new:
            new.executescript(SCHEMA)
            new.executemany("INSERT INTO meta VALUES (?, ?)",
                            [("application", APPLICATION), ("schema_version", str(SCHEMA_VERSION))])
            new.commit()
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(scratch, 0o666 & ~umask)
        os.link(scratch, path)
    except FileExistsError:
        raise AnalysisError(f"{path}: appeared while the database was being created") from None
    except (OSError, sqlite3.Error) as error:
        raise AnalysisError(f"{path}: cannot create the database ({error})") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(scratch)


def connect(path, create=False):
    """A connection to a checked parlab results database (created when `create`)."""
    try:
        os.lstat(path)
        exists = True
    except FileNotFoundError:
        exists = False
    if not exists:
        if not create:
            raise AnalysisError(f"{path}: no such results database (db add creates it)")
        _create(path)
    elif not stat.S_ISREG(os.stat(path).st_mode):
        files.check_input(path, "results database")  # names what it is instead
    _check_ours(path)
    try:
        connection = sqlite3.connect(path)
        connection.execute("PRAGMA foreign_keys = ON")
        return connection
    except sqlite3.Error as error:
        raise AnalysisError(f"{path}: cannot open the database ({error})") from None


def _value(v):
    return v.item() if hasattr(v, "item") else v


def _insert(connection, reports):
    status = reports.status.iloc[0]
    environment = dict(zip(reports.environment.key, reports.environment.value))
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    cursor = connection.execute(
        "INSERT INTO reports (identity, path, experiment, status, created_utc, finished_utc, "
        "git_sha, parlab_version, cpu_model, added_utc) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (status.identity, os.path.abspath(status.report), status.experiment, status.status,
         status.created_utc, status.finished_utc, status.git_sha, status.parlab_version,
         environment.get("cpu_model", ""), now))
    report_id = cursor.lastrowid
    for run in reports.runs.itertuples():
        values = [report_id] + [_value(getattr(run, f)) for f in RUN_FIELDS]
        run_id = connection.execute(
            f"INSERT INTO runs (report_id, {', '.join(RUN_FIELDS)}) VALUES "
            f"({', '.join('?' * len(values))})", values).lastrowid
        connection.executemany("INSERT INTO repetitions VALUES (?, ?, ?)",
                               [(run_id, i, float(t)) for i, t in enumerate(reports.cell_times(run))])
        samples, columns = reports.samples(run), reports.columns(run)
        if len(samples):
            slowest = samples.max(axis=1)  # [repetition][column]
            connection.executemany(
                "INSERT INTO run_phases VALUES (?, ?, ?)",
                [(run_id, name, float(_median(slowest[:, c]))) for c, name in enumerate(columns)])
    return report_id


def _median(values):
    import numpy as np
    return np.median(values)


def add(path, report_paths):
    """Stores every report not yet stored; returns [(path, report id, added?)]."""
    from .report import load

    loaded = [load(p) for p in report_paths]  # all validated before anything is written
    out = []
    with contextlib.closing(connect(path, create=True)) as connection:
        try:
            with connection:  # one transaction: all or nothing
                for report_path, reports in zip(report_paths, loaded):
                    identity = reports.status.identity.iloc[0]
                    row = connection.execute("SELECT id FROM reports WHERE identity = ?",
                                             (identity,)).fetchone()
                    if row:
                        out.append((report_path, row[0], False))
                    else:
                        out.append((report_path, _insert(connection, reports), True))
        except sqlite3.Error as error:
            raise AnalysisError(f"{path}: cannot store the reports ({error})") from None
    return out


def add_parser(subparsers):
    parser = subparsers.add_parser("db", help="results history in SQLite: add, list, trend, "
                                              "compare")
    actions = parser.add_subparsers(dest="action", required=True)
    common = {"help": "the database file (default: $PARLAB_DB)"}
    add_cmd = actions.add_parser("add", help="store reports (a report stored already is "
                                             "skipped)")
    add_cmd.add_argument("reports", nargs="+")
    list_cmd = actions.add_parser("list", help="the stored reports")
    trend_cmd = actions.add_parser("trend", help="a metric over time for one kernel, model "
                                                 "and shape")
    trend_cmd.add_argument("--kernel", required=True)
    trend_cmd.add_argument("--model", required=True)
    trend_cmd.add_argument("--shape", required=True, help="RANKSxTHREADS, e.g. 2x1")
    trend_cmd.add_argument("--label", help="only runs with this label (kernel, parameters, size)")
    trend_cmd.add_argument("--metric", default="time",
                           help="time (median), min, max, rate, speedup, efficiency, or "
                                "phase:NAME (median of the slowest rank), default time")
    trend_cmd.add_argument("--plot", metavar="PNG", help="also plot it into this file")
    compare_cmd = actions.add_parser("compare", help="regression gate between two stored "
                                                     "reports (exit 1 when slower)")
    compare_cmd.add_argument("base", help="report id (db list) or identity prefix")
    compare_cmd.add_argument("new")
    from .compare import parse_tolerance
    compare_cmd.add_argument("--tolerance", default="5%", type=parse_tolerance,
                             help="relative change ignored even when significant (default 5%%)")
    for command in (add_cmd, list_cmd, trend_cmd, compare_cmd):
        command.add_argument("--db", **common)
    parser.set_defaults(run=run)


def run(args):
    from . import history

    path = database_path(args)
    if args.action == "add":
        for report, report_id, added in add(path, args.reports):
            print(f"{report}: {'added as' if added else 'already stored as'} report {report_id}")
        return 0
    with contextlib.closing(connect(path)) as connection:
        if args.action == "list":
            print(stored(connection).to_string(index=False))
        elif args.action == "trend":
            rows = history.trend(connection, args.kernel, args.model, args.shape, args.metric,
                                 args.label)
            print(history.render_trend(rows, args.metric), end="")
            if args.plot:
                title = f"{args.kernel} {args.model} {args.shape}: {args.metric} over time"
                print(history.plot_trend(rows, args.metric, title, args.plot)["path"])
        else:
            from .compare import gate
            base = history.as_reports(connection, history.find_report(connection, args.base))
            new = history.as_reports(connection, history.find_report(connection, args.new))
            return gate(base, new, args.tolerance)
    return 0


def stored(connection):
    from . import history
    return history.stored(connection)
