"""Entry point: one subcommand per module."""
import argparse
import sys

from . import compare, html, lesson, merge, plot, summary
from .report import AnalysisError


def main(argv):
    parser = argparse.ArgumentParser(prog="parlab-analyze",
                                     description="Tables and plots from parlab HDF5 reports.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in (summary, plot, compare, merge, html, lesson):
        module.add_parser(subparsers)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except AnalysisError as error:
        print(f"parlab-analyze: error: {error}", file=sys.stderr)
        return 2


def entry_point():
    """The installed `parlab-analyze` command (pyproject.toml's console script)."""
    sys.exit(main(sys.argv[1:]))
