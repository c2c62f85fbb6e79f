"""Entry point: one subcommand per module. Exit status: 0 done, 1 only for `compare` /
`db compare` finding a regression, 2 bad input (one line `parlab-analyze: error: ...`),
3 an internal error (a bug: one line too; PARLAB_ANALYZE_DEBUG=1 shows the traceback)."""
import argparse
import os
import sys

from .errors import AnalysisError

PROG = "parlab-analyze"
DEBIAN_PACKAGES = {"h5py": "python3-h5py", "numpy": "python3-numpy", "pandas": "python3-pandas",
                   "matplotlib": "python3-matplotlib"}


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line, exit 2, like every other bad input."""

    def error(self, message):
        raise AnalysisError(f"{message} (see {self.prog} --help)")


def build_parser():
    from . import compare, db, export, html, lesson, merge, plot, summary

    parser = _Parser(prog=PROG, description="Tables, plots, exports and verdicts from parlab "
                                            "HDF5 reports (see docs/python-api.md).")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in (summary, plot, compare, merge, html, lesson, export, db):
        module.add_parser(subparsers)
    return parser


def _one_line(error):
    return " ".join(str(error).split())


def main(argv):
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except AnalysisError as error:
        print(f"{PROG}: error: {_one_line(error)}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:
        package = DEBIAN_PACKAGES.get(error.name, f"python3-{error.name}")
        print(f"{PROG}: error: the Python module '{error.name}' is missing (Debian: apt-get "
              f"install {package}; elsewhere: pip install {error.name})", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `summary ... | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - no traceback for the user, one line
        if os.environ.get("PARLAB_ANALYZE_DEBUG"):
            raise
        print(f"{PROG}: internal error: {type(error).__name__}: {_one_line(error)} (please "
              "report it; "
              "PARLAB_ANALYZE_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 3


def entry_point():
    """The installed `parlab-analyze` command (pyproject.toml's console script)."""
    sys.exit(main(sys.argv[1:]))
