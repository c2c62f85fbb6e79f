"""One palette for every plot: a colour per execution model and per phase."""

MODEL_COLOURS = {"serial": "#555555", "threads": "#1f77b4", "processes": "#2ca02c",
                 "hybrid": "#9467bd", "gil": "#d62728", "async": "#ff7f0e"}
UNKNOWN = "#999999"

# The samples' phase columns in report order (docs/report.md), each with its colour.
PHASE_COLOURS = {"compute": "#1f77b4", "comm": "#ff7f0e", "io": "#2ca02c", "wait": "#d62728",
                 "lock_wait": "#9467bd", "post": "#8c564b", "test": "#e377c2",
                 "idle": "#7f7f7f", "sync": "#bcbd22"}
PHASES = list(PHASE_COLOURS)


def model_colour(model):
    return MODEL_COLOURS.get(model, UNKNOWN)


def phase_colour(phase):
    return PHASE_COLOURS.get(phase, UNKNOWN)
