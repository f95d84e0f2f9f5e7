#!/usr/bin/python3
"""Plots of an `sxsim sweep`, from OUT/sweep_networks.csv (successful points only):

  OUT/plots/sweep_latency_vs_pes.{png,svg}  latency vs MAC units, one series per workload
  OUT/plots/sweep_energy_vs_pes.{png,svg}   energy vs MAC units
  OUT/plots/sweep_pareto.{png,svg}          latency-energy plane, colour = total area (mm^2),
                                            the three-objective Pareto set (latency, energy,
                                            area) ringed and labelled; one panel per workload

The Pareto set is the table's "pareto" column (sxsim computes it: docs/formats.md); tables
written before that column existed get the same rule computed here. The dashed line joins the
two-objective latency-energy front, for contrast: a point off it can still be in the set
because it is smaller. Swept parameters are the columns whose name is a JSON pointer
("/pe_array/dim_m"); the Pareto points are labelled with their values.
Usage: /usr/bin/python3 sw/plots/plot_sweep.py OUT [--out DIR]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def pareto(points):
    """Points (latency, energy, row) not dominated by any other: lower is better in both."""
    front, best_energy = [], float("inf")
    for p in sorted(points, key=lambda p: (p[0], p[1])):
        if p[1] < best_energy:
            front.append(p)
            best_energy = p[1]
    return front


def dominates(a, b):
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))


def pareto3(rows):
    """Rows in the three-objective set, the rule of sw/workflow/pareto.h (ties all stay)."""
    objs = [(common.num(r, "latency_us"), common.num(r, "energy_total_pj"), common.num(r, "area_mm2")) for r in rows]
    return [r for i, r in enumerate(rows) if not any(dominates(objs[j], objs[i]) for j in range(len(rows)) if j != i)]


def label(row, params):
    parts = []
    for p in params:
        short = p.rsplit("/", 1)[-1]
        parts.append("%s=%s" % (short, row[p]))
    return " ".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="output directory of sxsim sweep (holds sweep_networks.csv)")
    ap.add_argument("--out", help="where to write the plots (default OUT/plots)")
    ap.add_argument("--x", default="mac_units", help="x column for the *_vs_pes plots (default mac_units)")
    a = ap.parse_args()
    plt = common.import_pyplot()
    rows = [r for r in common.read_csv(os.path.join(a.dir, "sweep_networks.csv")) if r.get("status") == "ok"]
    out = a.out or os.path.join(a.dir, "plots")
    if not rows:
        sys.stderr.write("no successful point in sweep_networks.csv: nothing to plot\n")
        return 1
    params = [c for c in rows[0].keys() if c.startswith("/")]
    models = list(dict.fromkeys(r["model"] for r in rows))

    for key, ylabel, stem, scale in (("latency_us", "latency (us)", "sweep_latency_vs_pes", 1.0),
                                     ("energy_total_pj", "energy (uJ)", "sweep_energy_vs_pes", 1e-6)):
        fig, ax = plt.subplots(figsize=(6.0, 3.8))
        for i, m in enumerate(models):
            pts = sorted((common.num(r, a.x), common.num(r, key) * scale) for r in rows if r["model"] == m)
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=18, color="C%d" % i, label=m)
            # The best shape at each array size, joined.
            best = {}
            for x, y in pts:
                best[x] = min(y, best.get(x, float("inf")))
            xs = sorted(best)
            ax.plot(xs, [best[x] for x in xs], color="C%d" % i, linewidth=1, alpha=0.6)
        ax.set_xscale("log", base=2)
        ax.set_xlabel(a.x.replace("_", " ") + " (log2)")
        ax.set_ylabel(ylabel)
        ax.set_title("%s vs PE array size (%d points; line: best shape per size)" % (ylabel.split(" (")[0], len(rows)))
        ax.legend(fontsize=8)
        common.save(fig, out, stem)
        plt.close(fig)

    has_area = all(r.get("area_mm2", "") != "" for r in rows)
    areas = [common.num(r, "area_mm2") for r in rows] if has_area else []
    fig, axes = plt.subplots(1, len(models), figsize=(6.4 * len(models), 4.6), squeeze=False)
    scatter = None
    for i, m in enumerate(models):
        ax = axes[0][i]
        mrows = [r for r in rows if r["model"] == m]
        if "pareto" in mrows[0]:
            in_set = [r for r in mrows if r.get("pareto") == "true"]
        else:
            in_set = pareto3(mrows) if has_area else []
        xs = [common.num(r, "latency_us") for r in mrows]
        ys = [common.num(r, "energy_total_pj") * 1e-6 for r in mrows]
        if has_area:
            scatter = ax.scatter(xs, ys, s=22, c=[common.num(r, "area_mm2") for r in mrows], cmap="viridis",
                                 vmin=min(areas), vmax=max(areas), zorder=2, label="points (colour: area)")
        else:
            ax.scatter(xs, ys, s=22, color="0.5", zorder=2, label="points (no area in this table)")
        ax.scatter([common.num(r, "latency_us") for r in in_set],
                   [common.num(r, "energy_total_pj") * 1e-6 for r in in_set], s=90, facecolors="none",
                   edgecolors="red", linewidths=1.4, zorder=3,
                   label="Pareto set: latency, energy, area (%d of %d)" % (len(in_set), len(mrows)))
        for r in in_set:
            ax.annotate(label(r, params), (common.num(r, "latency_us"), common.num(r, "energy_total_pj") * 1e-6),
                        textcoords="offset points", xytext=(5, 4), fontsize=6)
        front = pareto([(x, y, r) for x, y, r in zip(xs, ys, mrows)])
        ax.plot([p[0] for p in front], [p[1] for p in front], color="0.3", linestyle="--", linewidth=1, zorder=1,
                label="latency-energy front (%d)" % len(front))
        ax.set_xlabel("latency (us)")
        ax.set_ylabel("energy (uJ)")
        ax.set_title("%s: latency, energy and area" % m)
        ax.legend(fontsize=7)
    if scatter is not None:
        fig.colorbar(scatter, ax=axes[0].tolist(), label="total area (mm$^2$)")
    common.save(fig, out, "sweep_pareto")
    plt.close(fig)
    return 0


if __name__ == "__main__":
    sys.exit(main())
