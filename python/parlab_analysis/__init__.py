"""Analysis of parlab reports: one module per subcommand, shared loading in report.py."""
