"""The one exception for bad input: reported as one line and exit status 2."""


class AnalysisError(Exception):
    """A problem with the input (a file, a value, an option), reported as one line
    `parlab-analyze: error: ...` and exit status 2."""
