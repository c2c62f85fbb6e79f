"""Running parlab-analyze in tests: in this process (fast) or as its own process (what a
user sees), and the check every bad input must pass."""
import contextlib
import io
import os
import subprocess
from unittest import mock

from parlab_analysis import cli

HERE = os.path.dirname(os.path.abspath(__file__))
ANALYZE = os.path.join(HERE, "..", "..", "python", "parlab-analyze")


def process(*args, env=None, timeout=120, **kwargs):
    """parlab-analyze as its own process (the launcher, exit status, stderr as a user sees)."""
    environment = dict(os.environ, **(env or {}))
    return subprocess.run(["/usr/bin/python3", ANALYZE, *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=environment, **kwargs)


def analyze(*args, env=None):
    """cli.main in this process (fast: the libraries are imported once); an exception
    escaping it would fail the test, as a traceback would."""
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, env or {}), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in args])
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def bad(result, fragment):
    """Exit 2, exactly one line on stderr naming the problem, no traceback."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert len(lines) == 1 and lines[0].startswith("parlab-analyze: error: "), result.stderr
    assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.stderr


