"""Analysis of parlab reports. `parlab_analysis.load(path_or_paths)` returns tidy pandas
tables (docs/python-api.md); the `parlab-analyze` subcommands (one module each) are built
on it."""
from .errors import AnalysisError
from .report import Reports, load

__all__ = ["AnalysisError", "Reports", "load"]
