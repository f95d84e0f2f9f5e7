"""Shared helpers of the sxsim plotting scripts (matplotlib, Agg backend, PNG + SVG).

The scripts read the CSV tables sxsim writes, so they can be rerun and restyled without
simulating again. Exit code 3 means matplotlib could not be imported (sxsim prints a warning).
"""
import csv
import os
import sys

EXIT_NO_MATPLOTLIB = 3


def import_pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:  # sxsim turns this into a warning, not a failure
        sys.stderr.write("matplotlib is not available: %s\n" % e)
        sys.exit(EXIT_NO_MATPLOTLIB)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 110, "font.size": 9,
                         "axes.grid": True, "grid.alpha": 0.3, "svg.fonttype": "none"})
    return plt


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(row, key, default=0.0):
    try:
        return float(row.get(key, "") or default)
    except ValueError:
        return default


def save(fig, out_dir, stem):
    """Writes <stem>.png and <stem>.svg and prints their paths (sxsim collects them)."""
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for ext in ("png", "svg"):
        p = os.path.join(out_dir, "%s.%s" % (stem, ext))
        fig.savefig(p, bbox_inches="tight")
        paths.append(p)
    for p in paths:
        print(p)
    return paths


# One colour per energy component, stable across plots.
COMPONENT_COLORS = {
    "dram": "#4e79a7", "input_buffer": "#f28e2b", "output_buffer": "#e15759", "weight_buffer": "#76b7b2",
    "index_buffer": "#59a14f", "register_file": "#edc948", "fifo": "#86bcb6", "noc": "#b07aa1", "rebuild": "#ff9da7",
    "index_decoder": "#9c755f", "pe_array": "#bab0ac", "leakage": "#7f7f7f",
}


def component_color(name, i):
    return COMPONENT_COLORS.get(name, "C%d" % (i % 10))
