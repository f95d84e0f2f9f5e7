#!/usr/bin/python3
"""Plots of an `sxsim compare` run, from DIR/compare.csv:

  DIR/plots/compare_layer_latency.{png,svg}  per-layer latency, one bar per design
  DIR/plots/compare_layer_energy.{png,svg}   per-layer energy, stacked by component, per design
  DIR/plots/compare_total_energy.{png,svg}   whole-network energy breakdown per design

Usage: /usr/bin/python3 sw/plots/plot_compare.py DIR [--out PLOTDIR]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="output directory of sxsim compare (holds compare.csv)")
    ap.add_argument("--out", help="where to write the plots (default DIR/plots)")
    ap.add_argument("--latency-scale", choices=["auto", "linear", "log"], default="auto",
                    help="y axis of the per-layer latency plot; auto: log when the bars span more than 30x")
    a = ap.parse_args()
    plt = common.import_pyplot()
    rows = [r for r in common.read_csv(os.path.join(a.dir, "compare.csv")) if r["status"] == "ok"]
    out = a.out or os.path.join(a.dir, "plots")
    if not rows:
        sys.stderr.write("no successful design in compare.csv: nothing to plot\n")
        return 1
    designs = list(dict.fromkeys(r["design"] for r in rows))
    layers = list(dict.fromkeys(r["layer"] for r in rows if r["layer"] != "total"))
    components = [c[len("energy_"):-len("_pj")] for c in rows[0].keys()
                  if c.startswith("energy_") and c.endswith("_pj") and c != "energy_total_pj"]
    by = {(r["design"], r["layer"]): r for r in rows}
    reference = rows[0]["reference"]
    n = len(designs)
    width = 0.8 / n
    xs = range(len(layers))
    wide = max(6.0, 0.45 * len(layers) * max(1, n) + 2)

    # Per-layer latency.
    fig, ax = plt.subplots(figsize=(wide, 3.6))
    for i, d in enumerate(designs):
        vals = [common.num(by.get((d, l), {}), "latency_us") for l in layers]
        ax.bar([x + (i - (n - 1) / 2) * width for x in xs], vals, width, label=d)
    ax.set_xticks(list(xs))
    ax.set_xticklabels(layers, rotation=60, ha="right")
    positive = [common.num(r, "latency_us") for r in rows if r["layer"] != "total"]
    positive = [v for v in positive if v > 0]
    spread = max(positive) / min(positive) if positive else 1.0
    log_axis = a.latency_scale == "log" or (a.latency_scale == "auto" and spread > 30)
    if log_axis:
        ax.set_yscale("log")
    ax.set_ylabel("latency (us, log scale)" if log_axis else "latency (us)")
    ax.set_title("Per-layer latency (reference: %s)" % reference)
    ax.legend()
    common.save(fig, out, "compare_layer_latency")
    plt.close(fig)

    # Per-layer energy, stacked by component; designs side by side, hatched to tell apart.
    hatches = ["", "//", "..", "xx", "\\\\", "oo"]
    fig, ax = plt.subplots(figsize=(wide, 4.2))
    for i, d in enumerate(designs):
        bottom = [0.0] * len(layers)
        pos = [x + (i - (n - 1) / 2) * width for x in xs]
        for k, c in enumerate(components):
            vals = [common.num(by.get((d, l), {}), "energy_%s_pj" % c) * 1e-6 for l in layers]
            if not any(vals):
                continue
            ax.bar(pos, vals, width, bottom=bottom, color=common.component_color(c, k),
                   hatch=hatches[i % len(hatches)], edgecolor="white", linewidth=0.3,
                   label=c if i == 0 else None)
            bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_xticks(list(xs))
    ax.set_xticklabels(layers, rotation=60, ha="right")
    ax.set_ylabel("energy (uJ)")
    ax.set_title("Per-layer energy by component; bars left to right: %s" % ", ".join(designs))
    ax.legend(ncol=2, fontsize=7)
    common.save(fig, out, "compare_layer_energy")
    plt.close(fig)

    # Whole-network energy breakdown.
    fig, ax = plt.subplots(figsize=(max(4.0, 1.3 * n + 2.5), 3.8))
    bottom = [0.0] * n
    for k, c in enumerate(components):
        vals = [common.num(by.get((d, "total"), {}), "energy_%s_pj" % c) * 1e-6 for d in designs]
        if not any(vals):
            continue
        ax.bar(designs, vals, 0.6, bottom=bottom, color=common.component_color(c, k), label=c)
        bottom = [b + v for b, v in zip(bottom, vals)]
    for i, d in enumerate(designs):
        r = by.get((d, "total"), {})
        ratio = r.get("energy_ratio", "")
        label = "%.1f uJ" % (common.num(r, "energy_total_pj") * 1e-6)
        if ratio and d != reference:
            label += "\n%.2fx" % float(ratio)
        ax.text(i, bottom[i], label, ha="center", va="bottom", fontsize=8)
    ax.set_ylabel("energy (uJ)")
    ax.set_title("Energy breakdown, whole network")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_ylim(0, max(bottom) * 1.2 if max(bottom) > 0 else 1)
    common.save(fig, out, "compare_total_energy")
    plt.close(fig)
    return 0


if __name__ == "__main__":
    sys.exit(main())
