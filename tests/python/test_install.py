"""The analysis package installs the documented way, offline, and the installed
`parlab-analyze` works from outside the source tree (python/README.md):
  python3 -m venv --system-site-packages V && V/bin/pip install --no-build-isolation python/
Issue 21, points 1 and 3."""
import os
import shutil
import subprocess

import pytest

from synthetic import one_run

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", "..", "python"))
PYTHON = "/usr/bin/python3"


def clean_environment():
    """No PYTHONPATH (it would find the source tree) and no index: pip must not need one."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    environment["PIP_NO_INDEX"] = "1"
    environment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return environment


def make_venv(path):
    result = subprocess.run([PYTHON, "-m", "venv", "--system-site-packages", str(path)],
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0 and ("ensurepip" in result.stderr or "No module named venv"
                                   in result.stderr):
        pytest.skip(f"venv/pip unavailable here: {result.stderr.strip().splitlines()[-1]}")
    assert result.returncode == 0, result.stderr


def test_pip_installs_it_offline_and_the_entry_point_works(tmp_path):
    if not os.path.exists(PYTHON):
        pytest.skip(f"{PYTHON} not found")
    # A copy: setuptools writes build/ and *.egg-info beside the sources it builds.
    source = tmp_path / "python"
    shutil.copytree(SOURCE, source, ignore=shutil.ignore_patterns("build", "*.egg-info",
                                                                  "__pycache__"))
    venv = tmp_path / "V"
    make_venv(venv)
    environment = clean_environment()
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "--no-build-isolation",
                              str(source)], capture_output=True, text=True, timeout=600,
                             env=environment, cwd=tmp_path)
    assert install.returncode == 0, install.stdout + install.stderr
    command = venv / "bin" / "parlab-analyze"
    assert command.exists()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import parlab_analysis; print(parlab_analysis.__file__)"],
                           capture_output=True, text=True, env=environment, cwd=elsewhere)
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr  # not the sources
    report = one_run(elsewhere / "r.h5", kernel="stencil")
    summary = subprocess.run([str(command), "summary", report], capture_output=True, text=True,
                             env=environment, cwd=elsewhere, timeout=300)
    assert summary.returncode == 0, summary.stderr
    assert "stencil size=100" in summary.stdout
    export = subprocess.run([str(command), "export", "csv", report, "-o", "csv"],
                            capture_output=True, text=True, env=environment, cwd=elsewhere,
                            timeout=300)
    assert export.returncode == 0 and (elsewhere / "csv" / "runs.csv").exists(), export.stderr
    broken = subprocess.run([str(command), "summary", "missing.h5"], capture_output=True,
                            text=True, env=environment, cwd=elsewhere)
    assert broken.returncode == 2 and "missing.h5: no such file" in broken.stderr
